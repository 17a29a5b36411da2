#!/usr/bin/env python3
"""Summarises a load run's results.md (benchmarks/load/run.sh): per set-up the median and spread
over its launches, and per set-up the ratio to a baseline launched in the same round (each round
launches every set-up once, so a round is a launch pair with its baseline).

Then, per round, every set-up's req/s ratio and added app CPU against off of the same round (in an
interleaved run, INTERLEAVE=1, the two were measured in alternating slices on the same host state),
whether every round's ratio reaches the set-up's aim, and the kit's added app CPU as a share of
bucket4j's. Aims come from the environment as AIM_<SET-UP> (upper case, '-' as '_'); the defaults are
issue 31's: AIM_ON=0.85, AIM_DISCARD=0.97.

Usage: summarize.py results.md
"""
import os
import re
import statistics
import sys


def number(cell):
    match = re.search(r"[-+]?\d+(?:\.\d+)?", cell.replace(",", ""))
    return float(match.group()) if match else None


def milliseconds(cell):
    """wrk's latency ("850.00us", "1.23ms", "1.02s") in ms, None when it is not one."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(us|ms|s|m)", cell)
    if not match:
        return None
    return float(match.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[match.group(2)]


def read(path):
    runs = {}  # set-up -> round -> (req/s, app µs/req, PostgreSQL µs/req, p99 ms or None, broker µs/req or None)
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 6 or not cells[1].isdigit() or cells[0].startswith("two instances"):
            continue
        values = (number(cells[2]), number(cells[4]), number(cells[5]))
        if None not in values:
            # The Kafka broker's column (since the kafka set-up): "-" for a set-up without a broker.
            broker = number(cells[6]) if len(cells) > 14 else None
            runs.setdefault(cells[0], {})[int(cells[1])] = values + (milliseconds(cells[3]), broker)
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


DEFAULT_AIMS = {"on": 0.85, "discard": 0.97}


def aim(setup):
    value = os.environ.get("AIM_" + setup.upper().replace("-", "_"))
    return float(value) if value else DEFAULT_AIMS.get(setup)


def per_round(runs):
    if "off" not in runs:
        return
    setups = [s for s in runs if s != "off"]
    rounds = sorted(r for r in runs["off"] if any(r in runs[s] for s in setups))
    if not setups or not rounds:
        return
    print()
    print("Per round against off of the same round: req/s ratio / app CPU added µs/req")
    print()
    print("| round | " + " | ".join(setups) + " |")
    print("|---:|" + "---|" * len(setups))
    for r in rounds:
        off = runs["off"][r]
        cells = []
        for setup in setups:
            if r in runs[setup] and off[0]:
                value = runs[setup][r]
                cells.append(f"{value[0] / off[0]:.3f} / {value[1] - off[1]:+.1f}")
            else:
                cells.append("–")
        print(f"| {r} | " + " | ".join(cells) + " |")
    print()
    for setup in setups:
        target = aim(setup)
        values = ratios(runs, setup, "off", 0)
        if target is None or not values:
            continue
        below = [r for r in sorted(runs[setup]) if r in runs["off"] and runs["off"][r][0]
                 and runs[setup][r][0] / runs["off"][r][0] < target]
        verdict = "every round reaches it" if not below else \
            f"{len(below)} of {len(values)} rounds below it (round {', '.join(map(str, below))})"
        print(f"- {setup} ÷ off ≥ {target}: {verdict}; lowest {min(values):.3f}, median {statistics.median(values):.3f}")
    if "bucket4j" in runs:
        for setup in ("on", "discard"):
            if setup not in runs:
                continue
            shares = [(runs[setup][r][1] - runs["off"][r][1]) / (runs["bucket4j"][r][1] - runs["off"][r][1])
                      for r in rounds if r in runs[setup] and r in runs["bucket4j"]
                      and runs["bucket4j"][r][1] != runs["off"][r][1]]
            if shares:
                print(f"- {setup}'s added app CPU ÷ bucket4j's, per round (aim ≤ 0.2): "
                      + ", ".join(f"{v:.2f}" for v in shares) + f"; median {statistics.median(shares):.2f}")


def main(path):
    runs = read(path)
    print("Per set-up over its launches: median [lowest–highest, ± half the range as % of the median]")
    print()
    print("| set-up | launches | req/s | p99 ms | app CPU µs/req | PostgreSQL CPU µs/req | Kafka broker CPU µs/req |")
    print("|---|---:|---|---|---|---|---|")
    for setup, rounds in runs.items():
        values = list(rounds.values())
        p99 = [v[3] for v in values if v[3] is not None]
        brokers = [v[4] for v in values if v[4] is not None]
        print(f"| {setup} | {len(values)} | {spread([v[0] for v in values], 0)} | "
              f"{spread(p99, 2) if p99 else '–'} | {spread([v[1] for v in values])} | {spread([v[2] for v in values])} | "
              f"{spread(brokers) if brokers else '–'} |")
    print()
    print("Against a baseline launched in the same round: median [lowest–highest] over the rounds")
    print()
    print("| set-up | ÷ baseline | req/s ratio | p99 ratio | app CPU added µs/req | PostgreSQL CPU ratio |")
    print("|---|---|---|---|---|---|")
    pairs = [(s, "off") for s in runs if s != "off"]
    pairs += [(s, "quota") for s in ("tenants1000", "newtenant", "tenants100k", "thresholds", "hanging", "grants") if s in runs]
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
        p99 = [runs[setup][r][3] / runs[baseline][r][3] for r in sorted(runs[setup])
               if r in runs[baseline] and runs[setup][r][3] and runs[baseline][r][3]]
        p99_cell = spread(p99, 2) if p99 else "–"
        print(f"| {setup} | {baseline} | {spread(rps, 3)} | {p99_cell} | {spread(cpu)} | {pg_cell} |")
    per_round(runs)


if __name__ == "__main__":
    main(sys.argv[1])
