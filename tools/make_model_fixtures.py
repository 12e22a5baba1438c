#!/usr/bin/env python3
"""Regenerates the PyTorch parity fixtures of the cSiT model (Tests/CSiTKitTests/Fixtures).

Run once by a developer; CI reads the committed files and never needs torch:

    pip install torch safetensors numpy pillow
    python3 tools/make_model_fixtures.py [--reference ../shared/bench/torch_csit.py]

It drives the shared PyTorch reference (`torch_csit.py --export-fixture`) at configurations
small enough to commit, registering one extra preset for them:

    csit-test   d 48, L 2, h 2, MLP ratio 2

and writes, per configuration, weights.safetensors, weights_finetune.safetensors,
inputs.safetensors (the batch and every random draw), expected.safetensors (activations,
outputs, losses, gradients, one AdamW step, a train-mode run with pinned drop-path masks,
fine-tune logits/probabilities/loss/gradients) and the reference's README.md.
"""
import argparse
import importlib.util
import os
import shutil
import sys
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "CSiTKitTests", "Fixtures")

CONFIGS = [
    # name, preset, image size, token stride, batch, classes, representation size
    ("test32-s8-r16", "csit-test", 32, 8, 2, 3, 16),
    ("test32-s16", "csit-test", 32, 16, 3, 2, 0),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", default=os.path.join(ROOT, "..", "shared", "bench", "torch_csit.py"))
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("torch_csit", args.reference)
    ref = importlib.util.module_from_spec(spec)
    sys.modules["torch_csit"] = ref
    spec.loader.exec_module(ref)
    ref.PRESETS["csit-test"] = dict(dim=48, depth=2, heads=2, mlp_ratio=2)
    for name, preset, size, stride, batch, classes, rep in CONFIGS:
        d = os.path.join(OUT, name)
        shutil.rmtree(d, ignore_errors=True)
        ref.export_fixture(SimpleNamespace(export_fixture=d, preset=preset, image_size=size, token_stride=stride,
                                           batch=batch, classes=classes, representation_size=rep, seed=0,
                                           all_grads=True))


if __name__ == "__main__":
    main()
