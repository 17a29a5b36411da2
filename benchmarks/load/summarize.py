#!/usr/bin/env python3
"""Summarises a load run's results.md (benchmarks/load/run.sh): per set-up the median and spread
over its launches, and per set-up the ratio to a baseline launched in the same round (each round
launches every set-up once, so a round is a launch pair with its baseline).

Usage: summarize.py results.md
"""
import re
import statistics
import sys


def number(cell):
    match = re.search(r"[-+]?\d+(?:\.\d+)?", cell.replace(",", ""))
    return float(match.group()) if match else None


def read(path):
    runs = {}  # set-up -> round -> (req/s, app µs/req, PostgreSQL µs/req, broker µs/req or None)
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not cells[1].isdigit() or cells[0].startswith("two instances"):
            continue
        values = (number(cells[2]), number(cells[4]), number(cells[5]))
        if None not in values:
            # The Kafka broker's column (since the kafka set-up): "-" for a set-up without a broker.
            broker = number(cells[6]) if len(cells) > 14 else None
            runs.setdefault(cells[0], {})[int(cells[1])] = values + (broker,)
    return runs


def spread(values, digits=1):
    median = statistics.median(values)
    low, high = min(values), max(values)
    relative = (high - low) / abs(median) * 100 if median else 0
    return f"{median:.{digits}f} [{low:.{digits}f}–{high:.{digits}f}, ±{relative / 2:.0f} %]"


def ratios(runs, setup, baseline, index):
    pairs = [(runs[setup][r], runs[baseline][r]) for r in sorted(runs[setup]) if r in runs.get(baseline, {})]
    return [a[index] / b[index] for a, b in pairs if b[index]]


def added(runs, setup, baseline, index):
    return [runs[setup][r][index] - runs[baseline][r][index] for r in sorted(runs[setup])
            if r in runs.get(baseline, {})]


def main(path):
    runs = read(path)
    print("Per set-up over its launches: median [lowest–highest, ± half the range as % of the median]")
    print()
    print("| set-up | launches | req/s | app CPU µs/req | PostgreSQL CPU µs/req | Kafka broker CPU µs/req |")
    print("|---|---:|---|---|---|---|")
    for setup, rounds in runs.items():
        values = list(rounds.values())
        brokers = [v[3] for v in values if v[3] is not None]
        print(f"| {setup} | {len(values)} | {spread([v[0] for v in values], 0)} | "
              f"{spread([v[1] for v in values])} | {spread([v[2] for v in values])} | "
              f"{spread(brokers) if brokers else '–'} |")
    print()
    print("Against a baseline launched in the same round: median [lowest–highest] over the rounds")
    print()
    print("| set-up | ÷ baseline | req/s ratio | app CPU added µs/req | PostgreSQL CPU ratio |")
    print("|---|---|---|---|---|")
    pairs = [(s, "off") for s in runs if s != "off"]
    pairs += [(s, "quota") for s in ("tenants1000", "newtenant", "tenants100k") if s in runs]
    pairs += [("discard", "on")] if "discard" in runs and "on" in runs else []
    pairs += [(k, o) for k, o in (("kafka", "on"), ("kafka-base", "on-base")) if k in runs and o in runs]
    for setup, baseline in pairs:
        if baseline not in runs:
            continue
        rps = ratios(runs, setup, baseline, 0)
        cpu = added(runs, setup, baseline, 1)
        pg = ratios(runs, setup, baseline, 2) if baseline != "off" else []
        if not rps:
            continue
        pg_cell = spread(pg, 2) if pg else "–"
        print(f"| {setup} | {baseline} | {spread(rps, 3)} | {spread(cpu)} | {pg_cell} |")


if __name__ == "__main__":
    main(sys.argv[1])
