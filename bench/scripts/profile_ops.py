#!/usr/bin/env python3
"""Sums a PyTorch profiler Chrome trace (libtorch's, as DJL's JniUtils.stopProfile or torch's export_chrome_trace
writes it) by op name: self time (an op's time minus the ops it called), calls, and the share of the step.

Usage: bench/scripts/profile_ops.py TRACE.json [ROWS]
"""
import json
import sys
from collections import defaultdict


def main():
    with open(sys.argv[1]) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    ops = sorted((e for e in events if e.get("ph") == "X" and "dur" in e),
                 key=lambda e: (e.get("tid"), e["ts"], -e["dur"]))
    self_us = defaultdict(float)
    calls = defaultdict(int)
    stack = []
    for e in ops:
        end = e["ts"] + e["dur"]
        while stack and stack[-1][1] <= e["ts"]:
            stack.pop()
        if stack:
            self_us[stack[-1][0]["name"]] -= e["dur"]
        self_us[e["name"]] += e["dur"]
        calls[e["name"]] += 1
        stack.append((e, end))
    total = sum(self_us.values())
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    print("%-45s %10s %7s %6s" % ("op", "self ms", "calls", "share"))
    for name, us in sorted(self_us.items(), key=lambda kv: -kv[1])[:rows]:
        print("%-45s %10.1f %7d %5.1f%%" % (name[:45], us / 1000, calls[name], 100 * us / total))
    print("%-45s %10.1f %7d" % ("total", total / 1000, sum(calls.values())))


if __name__ == "__main__":
    main()
