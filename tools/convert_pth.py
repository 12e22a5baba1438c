#!/usr/bin/env python3
"""Convert a released PyTorch cSiT checkpoint (.pth) to safetensors for csit.

    pip install torch safetensors
    python3 tools/convert_pth.py checkpoint.pth model.safetensors

The published training scripts save `{'model': state_dict, 'optimizer': ..., 'epoch': ...}`;
the state dict is taken from `ckpt['model']` (or the file itself when it is a bare state
dict). A DataParallel `module.` prefix is stripped, the unused `last_fc.*` head of the
published code is dropped, and every tensor is written as contiguous float32 under its
PyTorch name (docs/method.md §1.3), so `csit` loads it with `--checkpoint model.safetensors`.

The file gets the model card csit writes into its own checkpoints (format csit-model-1:
architecture, input size, heads, class names, input normalisation), so `csit predict
--checkpoint model.safetensors` needs no other flag. The published models' values are the
defaults (csit-compact, 224 px, token stride 16; NCT-CRC's nine classes for a 9-way head,
BreakHis benign/malignant for a 2-way head); the width and depth are checked against the
tensors.
"""
import argparse
import json
import sys

import torch
from safetensors.torch import save_file


PRESETS = {"csit-compact": (192, 14, 6, 3), "csit-small": (128, 7, 4, 3), "csit-tiny": (64, 4, 2, 2)}
NCT_CLASSES = ["ADI", "BACK", "DEB", "LYM", "MUC", "MUS", "NORM", "STR", "TUM"]
BREAKHIS_CLASSES = ["benign", "malignant"]
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def model_card(state, preset, image_size, token_stride, representation_size, classes, src):
    """The csit-model-1 metadata for `state` (string values, JSON where structured)."""
    if preset not in PRESETS:
        raise SystemExit(f"--preset {preset}: expected one of {', '.join(PRESETS)}")
    dim, depth, heads, mlp_ratio = PRESETS[preset]
    found_dim = state["pos_embed"].shape[-1] if "pos_embed" in state else None
    found_depth = len({k.split(".")[1] for k in state if k.startswith("blocks.")})
    if found_dim != dim or found_depth != depth:
        raise SystemExit(f"{src}: width {found_dim} and depth {found_depth} are not {preset}'s ({dim}, {depth}); pass --preset")
    config = {"architecture": "csit", "attentionDropout": 0, "depth": depth, "dim": dim, "dropPathRate": 0.1, "heads": heads,
              "imageSize": image_size, "mlpRatio": mlp_ratio, "pooling": "tokens", "preset": preset,
              "tokenStride": token_stride, "tokenizerChannels": 64}
    if representation_size:
        config["representationSize"] = representation_size
    meta = {"format": "csit-model-1", "config": json.dumps(config, sort_keys=True, separators=(",", ":")),
            "mean": json.dumps(IMAGENET_MEAN), "std": json.dumps(IMAGENET_STD), "producer": "tools/convert_pth.py"}
    if any(k.startswith("convTrans") for k in state):
        meta["heads"] = "ssl"
    else:
        outputs = state["rot_head.weight"].shape[0]
        names = classes.split(",") if classes else {9: NCT_CLASSES, 2: BREAKHIS_CLASSES}.get(outputs)
        if names is None or len(names) != outputs:
            raise SystemExit(f"{src}: a {outputs}-way classifier; pass --classes with {outputs} comma-separated names")
        meta.update(heads="finetune", num_classes=str(outputs), classes=json.dumps(names))
    return meta


def convert(src, dst, keep_last_fc=False, preset="csit-compact", image_size=224, token_stride=16,
            representation_size=None, classes=None):
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
    meta = model_card(out, preset, image_size, token_stride, representation_size, classes, src)
    meta["source"] = str(src)
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
    ap.add_argument("--preset", default="csit-compact", help="csit-compact (published), csit-small or csit-tiny")
    ap.add_argument("--image-size", type=int, default=224, help="input side the model was trained at (published: 224)")
    ap.add_argument("--token-stride", type=int, default=16, help="16 (published) or 8")
    ap.add_argument("--representation-size", type=int, default=None, help="R of the MLP head, if the model has one")
    ap.add_argument("--classes", default=None, help="comma-separated class names in label order "
                    "(default: NCT-CRC's nine for a 9-way head, benign,malignant for a 2-way head)")
    args = ap.parse_args()
    convert(args.src, args.dst, args.keep_last_fc, args.preset, args.image_size, args.token_stride,
            args.representation_size, args.classes)


if __name__ == "__main__":
    sys.exit(main())
