#!/usr/bin/env python3
"""Regenerates the small test fixtures that come from the Python ecosystem.

Run once by a developer (torch and safetensors from PyPI); the outputs are committed and
CI never needs either package:

    pip install torch safetensors numpy
    python3 tools/make_fixtures.py

Writes
  Tests/TensorKitTests/Fixtures/python_written.safetensors  tensors in F32, F16, BF16, F64
      written by the `safetensors` package, with metadata
  Tests/TensorKitTests/Fixtures/python_written.json          the same values as float32 lists
  Tests/TensorKitTests/Fixtures/bicubic.safetensors         torch bicubic up/down-sampling
  Tests/NeuralKitTests/Fixtures/optimizers.json              torch.optim.AdamW and SGD
      trajectories (parameters after each step for given gradients and learning rates)
"""
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TK = os.path.join(ROOT, "Tests", "TensorKitTests", "Fixtures")
NK = os.path.join(ROOT, "Tests", "NeuralKitTests", "Fixtures")


def encode(x):
    """JSON has no infinities: write them as strings."""
    return x if np.isfinite(x) else ("inf" if x > 0 else "-inf")


def safetensors_fixture():
    g = torch.Generator().manual_seed(0)
    tensors = {
        "blocks.0.attn.qkv.weight": torch.randn(6, 4, generator=g),
        "half": (torch.randn(3, 5, generator=g) * 100).to(torch.float16),
        "brain": (torch.randn(7, generator=g) * 1e-3).to(torch.bfloat16),
        "double": torch.randn(2, 2, 2, generator=g, dtype=torch.float64),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 4),
        "labels": torch.tensor([0, 8, -3, 70000], dtype=torch.int64),
        "boxes": torch.tensor([[1, 2], [-5, 300]], dtype=torch.int32),
        "pixels": torch.tensor([0, 7, 255], dtype=torch.uint8),
        "special": torch.tensor([float("inf"), -float("inf"), 0.0, -0.0, 6.1e-5, 1e-7], dtype=torch.float16),
    }
    save_file(tensors, os.path.join(TK, "python_written.safetensors"), metadata={"format": "pt", "preset": "test"})
    expected = {k: {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""),
                    "values": [encode(float(x)) for x in v.to(torch.float32).flatten().tolist()]}
                for k, v in tensors.items()}
    with open(os.path.join(TK, "python_written.json"), "w") as f:
        json.dump(expected, f, indent=1, allow_nan=False)


def resize_fixture():
    """torch's bicubic interpolation (align_corners=False), the law used to resize a
    positional-embedding grid."""
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(2)
    x = torch.randn(1, 3, 4, 5, generator=g)
    save_file({"input": x,
               "up_7x6": F.interpolate(x, size=(7, 6), mode="bicubic", align_corners=False),
               "down_3x2": F.interpolate(x, size=(3, 2), mode="bicubic", align_corners=False)},
              os.path.join(TK, "bicubic.safetensors"))


def optimizer_fixture():
    g = torch.Generator().manual_seed(1)
    w0 = torch.randn(4, 3, generator=g)
    b0 = torch.randn(3, generator=g)
    grads = [(torch.randn(4, 3, generator=g), torch.randn(3, generator=g)) for _ in range(4)]
    lrs = [1e-3, 5e-2, 2e-2, 1e-2]
    out = {"w0": w0.flatten().tolist(), "b0": b0.tolist(), "lrs": lrs,
           "grads_w": [gw.flatten().tolist() for gw, _ in grads],
           "grads_b": [gb.tolist() for _, gb in grads]}
    for name in ("adamw", "sgd", "sgd_nesterov"):
        w = w0.clone().requires_grad_(True)
        b = b0.clone().requires_grad_(True)
        groups = [{"params": [w], "weight_decay": 0.05}, {"params": [b], "weight_decay": 0.0}]
        if name == "adamw":
            opt = torch.optim.AdamW(groups, lr=lrs[0], betas=(0.9, 0.999), eps=1e-8)
        else:
            opt = torch.optim.SGD(groups, lr=lrs[0], momentum=0.9, nesterov=(name == "sgd_nesterov"))
        traj_w, traj_b = [], []
        for (gw, gb), lr in zip(grads, lrs):
            for group in opt.param_groups:
                group["lr"] = lr
            w.grad = gw.clone()
            b.grad = gb.clone()
            opt.step()
            traj_w.append(w.detach().flatten().tolist())
            traj_b.append(b.detach().tolist())
        out[name] = {"w": traj_w, "b": traj_b}
    with open(os.path.join(NK, "optimizers.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    os.makedirs(TK, exist_ok=True)
    os.makedirs(NK, exist_ok=True)
    safetensors_fixture()
    resize_fixture()
    optimizer_fixture()
    print("fixtures written")
