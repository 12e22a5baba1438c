#!/usr/bin/env python3
"""Reads a run's TensorBoard event files with the tensorboard package and checks them
against the run's log.jsonl: every epoch's loss is there, at the epoch's last step.

    pip install tensorboard
    python3 tools/check_tensorboard.py results/demo/runs/<id>

Not needed in CI: the Swift tests read the files back themselves (TensorBoardTests); this
is the check that TensorBoard itself reads what csit writes.
"""
import glob
import json
import math
import os
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main(run_dir):
    log = [json.loads(line) for line in open(os.path.join(run_dir, "log.jsonl"))]
    subdirs = glob.glob(os.path.join(run_dir, "tb", "*"))
    if len(subdirs) != 1:
        sys.exit(f"{run_dir}/tb: expected one run folder, found {subdirs}")
    acc = EventAccumulator(subdirs[0])
    acc.Reload()
    tags = acc.Tags()["scalars"]
    for t in ("train/loss", "train/lr", "epoch/loss", "epoch/images_per_second"):
        if t not in tags:
            sys.exit(f"{subdirs[0]}: no scalar '{t}' (has {tags})")
    epochs = acc.Scalars("epoch/loss")
    if len(epochs) != len(log):
        sys.exit(f"{len(epochs)} epoch points for {len(log)} log.jsonl records")
    for point, record in zip(epochs, log):
        if point.step != record["epoch"] * record["steps"]:
            sys.exit(f"epoch {record['epoch']}: step {point.step}, expected {record['epoch'] * record['steps']}")
        if not math.isclose(point.value, record["loss"], rel_tol=1e-6):
            sys.exit(f"epoch {record['epoch']}: loss {point.value} in TensorBoard, {record['loss']} in log.jsonl")
    steps = acc.Scalars("train/loss")
    print(f"{subdirs[0]}: {len(steps)} step points, {len(epochs)} epochs, tags {sorted(tags)}: ok")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
