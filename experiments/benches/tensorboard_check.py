#!/usr/bin/env python3
"""Reads `zoo export --tensorboard` output with TensorBoard's own reader and checks it.

    pip install tensorboard
    python3 experiments/benches/tensorboard_check.py artifacts/tensorboard [--expect TAG ...]

For every run directory under the export directory: loads its event files with
EventAccumulator, prints each scalar tag with its count and step range, and asserts
that there is at least one scalar tag, that every tag has values, that steps never
decrease, that every value is finite, and that each --expect tag is present.
Exits non-zero (with the reason) when a check fails.
"""

import argparse
import math
import pathlib
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def check_run(run_dir: pathlib.Path, expect: list[str]) -> list[str]:
    """Prints the run's scalar tags; returns the problems found."""
    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    acc.Reload()
    tags = sorted(acc.Tags()["scalars"])
    problems = []
    print(f"{run_dir.name}: {len(tags)} scalar tags")
    if not tags:
        problems.append(f"{run_dir}: no scalar tags")
    for tag in tags:
        events = acc.Scalars(tag)
        steps = [e.step for e in events]
        values = [e.value for e in events]
        print(f"  {tag:<28} {len(events):>6} values, steps {min(steps)}..{max(steps)}")
        if not events:
            problems.append(f"{run_dir}: tag {tag} has no values")
        if any(b < a for a, b in zip(steps, steps[1:])):
            problems.append(f"{run_dir}: tag {tag} has decreasing steps")
        if not all(math.isfinite(v) for v in values):
            problems.append(f"{run_dir}: tag {tag} has non-finite values")
    for tag in expect:
        if tag not in tags:
            problems.append(f"{run_dir}: expected tag {tag} is missing")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export_dir", type=pathlib.Path, help="the --out directory of zoo export")
    parser.add_argument("--expect", nargs="*", default=[], help="tags every run must have")
    args = parser.parse_args()
    runs = sorted(
        p for p in args.export_dir.iterdir() if p.is_dir() and any(p.glob("events.out.tfevents.*"))
    ) if args.export_dir.is_dir() else []
    if not runs:
        print(f"error: no run directories with event files under {args.export_dir}", file=sys.stderr)
        return 1
    problems = [p for run in runs for p in check_run(run, args.expect)]
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if not problems:
        print(f"ok: {len(runs)} runs read back with TensorBoard's EventAccumulator")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
