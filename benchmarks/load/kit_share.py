#!/usr/bin/env python3
"""Splits async-profiler CPU samples (collapsed stacks) of the sample app into the kit's own work and
everything else: the writer thread; on the request threads, the samples whose innermost kit frame
(dev.metering, not the sample's own dev.metering.sample) is not calling on down the filter chain,
i.e. the filter's, resolver's, recorder's and hand-off's own work; the request threads' other work
(Tomcat, Spring, the controller; Tomcat's workers between requests); Tomcat's poller and acceptor; the JVM's own threads (GC, JIT, VM).

Usage: kit_share.py STACKS.collapsed
"""
import collections
import sys

CHAIN = ('FilterChain.doFilter', 'ApplicationFilterChain', 'FilterChainProxy')


def group(frames):
    kit = [i for i, f in enumerate(frames)
           if f.startswith('dev/metering/') and not f.startswith('dev/metering/sample/')]
    request = any('Http11Processor' in f or 'TaskThread' in f for f in frames)
    if any(f.startswith('dev/metering/ledger/BufferedLedgerWriter.run') for f in frames):
        return 'kit: writer thread', None
    if request:
        if kit and not any(c in f for f in frames[kit[-1] + 1:] for c in CHAIN):
            return 'kit: on the request threads', frames[kit[-1]]
        return 'request threads, not the kit', None
    if kit:
        return 'kit: other threads', frames[kit[-1]]
    if any('NioEndpoint$Poller' in f or 'Acceptor.run' in f for f in frames):
        return 'Tomcat poller and acceptor', None
    if 'thread_native_entry' in frames or not any('/' in f for f in frames):
        return 'JVM (GC, JIT, VM) and native', None
    return 'other', None


def main(path):
    total = 0
    groups = collections.Counter()
    methods = collections.Counter()
    with open(path) as stacks:
        for line in stacks:
            stack, count = line.rstrip().rsplit(' ', 1)
            count = int(count)
            total += count
            name, method = group(stack.split(';'))
            groups[name] += count
            if method:
                methods[method] += count
    print(f'{total} samples')
    print('| where | samples | share |')
    print('|---|---:|---:|')
    for name, count in groups.most_common():
        print(f'| {name} | {count} | {100 * count / total:.1f} % |')
    print()
    print('Innermost kit method of the kit\'s samples outside the writer thread:')
    for method, count in methods.most_common(15):
        print(f'  {count:6d}  {100 * count / total:5.2f} %  {method.replace("/", ".")}')


if __name__ == '__main__':
    main(sys.argv[1])
