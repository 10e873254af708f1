"""Prints how many test cases schemathesis ran per API operation and phase, from its NDJSON report.

Usage: python3 schemathesis_summary.py REPORT.ndjson
"""

import collections
import json
import sys


def main(path: str) -> None:
    per_op: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    statuses: dict[str, set] = collections.defaultdict(set)
    phases: list[str] = []
    total_ops = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            if "LoadingFinished" in event:
                total_ops = event["LoadingFinished"]["statistic"]["operations"]
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            phase = finished["phase"]
            if phase not in phases:
                phases.append(phase)
            recorder = finished.get("recorder") or {}
            label = recorder.get("label", "?")
            per_op[label][phase] += len(recorder.get("cases") or {})
            if finished["status"] not in ("success", "skip"):
                statuses[label].add(f"{phase}:{finished['status']}")
    # Stateful scenarios are labelled by their chain, not one operation: listed apart.
    ops = sorted(k for k in per_op if k.split(" ", 1)[0].isupper() and "->" not in k)
    other = sorted(k for k in per_op if k not in ops)
    width = max((len(k) for k in ops), default=10)
    shown = [p for p in phases if p != "stateful"]
    print(f"{'operation':<{width}}  " + "  ".join(f"{p:>9}" for p in shown) + "      total")
    grand = 0
    for op in ops:
        row = per_op[op]
        total = sum(row[p] for p in shown)
        grand += total
        bad = f"  <- {', '.join(sorted(statuses[op]))}" if statuses[op] else ""
        print(f"{op:<{width}}  " + "  ".join(f"{row[p]:>9}" for p in shown) + f"  {total:>9}{bad}")
    stateful = sum(per_op[k]["stateful"] for k in per_op)
    print(
        f"api: {len(ops)} operations"
        + (f" (of {total_ops['total']} in the schema)" if total_ops else "")
        + f", {grand} single-operation test cases"
        + (f" (max {sys.argv[2]} per operation in the fuzzing phase)" if len(sys.argv) > 2 else "")
        + f", plus {stateful} stateful test cases in {len(other)} scenario label(s)"
    )


if __name__ == "__main__":
    main(sys.argv[1])
