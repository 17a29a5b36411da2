#!/usr/bin/env python3
"""Where a load round's time and allocation go, from a JFR recording (benchmarks/load/run.sh with PROFILE=1).

Usage: jfr_breakdown.py RECORDING REQUESTS

Execution samples (jdk.ExecutionSample: Java code only; GC and JIT threads run native code and
are not sampled, run.sh reports their CPU from /proc) are grouped by thread: request threads
(http-nio-*), the ledger writer, other kit threads, the rest. A request-thread sample is the
kit's own work when its stack holds a dev.metering frame with no servlet-chain or handler frame
above it (above = called by it): the kit's code and what it calls, not the application's
controller that the filter wraps. Kit samples are listed by the top-most kit method.
Allocation (jdk.ObjectAllocationSample, each sample weighted by the bytes it stands for) is split
the same way and given in bytes per request.
"""
import json
import re
import subprocess
import sys
from collections import Counter

# Frames that mean "the kit handed over to the application / the rest of the chain".
DOWNSTREAM = re.compile(r"^(org\.apache\.catalina\.core\.ApplicationFilterChain\.doFilter"
                        r"|org\.springframework\.web\.servlet\.DispatcherServlet\."
                        r"|org\.springframework\.web\.filter\.OncePerRequestFilter\.doFilter)")
UNITS = {"bytes": 1, "byte": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}


def events(recording, names):
    text = subprocess.run(["jfr", "print", "--stack-depth", "256", "--events", names, recording],
                          check=True, capture_output=True, text=True).stdout
    event = None
    for line in text.splitlines():
        stripped = line.strip()
        if re.match(r"^jdk\.\w+ \{$", line):
            event = {"type": line.split()[0], "frames": [], "thread": "", "weight": 0.0}
        elif event is None:
            continue
        elif line == "}":
            yield event
            event = None
        elif stripped.startswith(("sampledThread = ", "eventThread = ")):
            event["thread"] = stripped.split('"')[1] if '"' in stripped else stripped
        elif stripped.startswith("weight = "):
            value, unit = stripped[len("weight = "):].split()[:2]
            event["weight"] = float(value.replace(",", "")) * UNITS.get(unit, 1)
        elif line.startswith("    ") and "(" in stripped and not stripped.startswith(("stackTrace", "]")):
            event["frames"].append(stripped.split("(")[0])


def group(thread):
    if thread.startswith("http-nio"):
        return "request"
    if thread.startswith("metering-ledger"):
        return "writer"
    if thread.startswith("metering-"):
        return "kit-other"
    return "other"


def kit_method(frames):
    """The top-most kit frame if the kit's own code is running (nothing downstream above it)."""
    for frame in frames:  # top of the stack first
        if DOWNSTREAM.match(frame):
            return None
        if frame.startswith("dev.metering."):
            return frame
    return None


def exact_allocation(recording):
    """Bytes allocated per thread group over the recording, exactly: jdk.ThreadAllocationStatistics
    gives each thread's running total at the recording's start and end (and every chunk)."""
    text = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ThreadAllocationStatistics", recording],
                          check=True, capture_output=True, text=True).stdout
    first, last, names = {}, {}, {}
    for event in json.loads(text)["recording"]["events"]:
        values = event["values"]
        thread = values["thread"]
        if thread is None:  # a thread that ended before the chunk was written
            continue
        tid = thread["javaThreadId"]
        names[tid] = thread.get("javaName") or thread.get("osName") or ""
        first[tid] = min(first.get(tid, values["allocated"]), values["allocated"])
        last[tid] = max(last.get(tid, 0), values["allocated"])
    totals = Counter()
    for tid, name in names.items():
        totals[group(name)] += last[tid] - first[tid]
    return totals


def main():
    recording, requests = sys.argv[1], int(sys.argv[2])
    samples, kit, kit_leaf, leaf = Counter(), Counter(), Counter(), Counter()
    allocated, kit_allocated, kit_alloc_method = Counter(), 0.0, Counter()
    for event in events(recording, "jdk.ExecutionSample,jdk.ObjectAllocationSample"):
        g = group(event["thread"])
        method = kit_method(event["frames"]) if g == "request" else None
        if event["type"] == "jdk.ExecutionSample":
            samples[g] += 1
            if g == "request" and event["frames"]:
                leaf[".".join(event["frames"][0].split(".")[:3])] += 1
            if method:
                kit[method] += 1
                kit_leaf[event["frames"][0]] += 1
        else:
            allocated[g] += event["weight"]
            if method:
                kit_allocated += event["weight"]
                kit_alloc_method[method] += event["weight"]
    total = sum(samples.values())
    print(f"{requests:,} requests; {total:,} execution samples (Java threads)")
    for g, n in samples.most_common():
        print(f"  {g:10s} {n:7,} samples ({100 * n / max(total, 1):.1f} %)")
    request = samples["request"]
    kit_total = sum(kit.values())
    print(f"request threads: kit's own work {kit_total:,} of {request:,} samples "
          f"({100 * kit_total / max(request, 1):.1f} %)")
    print("  by top-most kit method:")
    for method, n in kit.most_common(15):
        print(f"    {n:6,}  {method}")
    print("  by leaf frame (the code actually running) inside kit work:")
    for method, n in kit_leaf.most_common(15):
        print(f"    {n:6,}  {method}")
    print("request threads, all samples, by leaf package:")
    for package, n in leaf.most_common(12):
        print(f"    {n:6,}  {package}")
    print("allocation, exact (jdk.ThreadAllocationStatistics: each thread's total at the recording's start and end), "
          "bytes per request:")
    for g, b in exact_allocation(recording).most_common():
        print(f"  {g:10s} {b / requests:10,.0f}")
    print("allocation (estimated from weighted samples), bytes per request:")
    for g, b in allocated.most_common():
        print(f"  {g:10s} {b / requests:10,.0f}")
    print(f"  kit's own work on request threads: {kit_allocated / requests:,.0f}")
    for method, b in kit_alloc_method.most_common(10):
        print(f"    {b / requests:8,.0f}  {method}")


if __name__ == "__main__":
    main()
