#!/usr/bin/env python3
"""Convert a released PyTorch cSiT checkpoint (.pth) to safetensors for csit.

    pip install torch safetensors
    python3 tools/convert_pth.py checkpoint.pth model.safetensors

The published training scripts save `{'model': state_dict, 'optimizer': ..., 'epoch': ...}`;
the state dict is taken from `ckpt['model']` (or the file itself when it is a bare state
dict). A DataParallel `module.` prefix is stripped, the unused `last_fc.*` head of the
published code is dropped, and every tensor is written as contiguous float32 under its
PyTorch name (method.md §1.3), so `csit` loads it with `--checkpoint model.safetensors`.
"""
import argparse
import sys

import torch
from safetensors.torch import save_file


def convert(src, dst, keep_last_fc=False):
    ckpt = torch.load(src, map_location="cpu", weights_only=False)
    state = ckpt.get("model", ckpt) if isinstance(ckpt, dict) else ckpt
    if not isinstance(state, dict):
        raise SystemExit(f"{src}: expected a state dict or a dict with key 'model', found {type(state).__name__}")
    out, dropped = {}, []
    for key, value in state.items():
        if not torch.is_tensor(value):
            continue
        name = key[len("module."):] if key.startswith("module.") else key
        if name.startswith("last_fc.") and not keep_last_fc:
            dropped.append(name)
            continue
        out[name] = value.detach().to(torch.float32).contiguous().clone()
    if not out:
        raise SystemExit(f"{src}: no tensors found")
    meta = {"source": str(src), "format": "pt"}
    if isinstance(ckpt, dict) and "epoch" in ckpt:
        meta["epoch"] = str(ckpt["epoch"])
    save_file(out, dst, metadata=meta)
    print(f"{dst}: {len(out)} tensors, {sum(v.numel() for v in out.values()):,} parameters"
          + (f"; dropped {', '.join(dropped)}" if dropped else ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="PyTorch checkpoint (.pth)")
    ap.add_argument("dst", help="output .safetensors")
    ap.add_argument("--keep-last-fc", action="store_true", help="keep the published code's unused last_fc head")
    args = ap.parse_args()
    convert(args.src, args.dst, args.keep_last_fc)


if __name__ == "__main__":
    sys.exit(main())
