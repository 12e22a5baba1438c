#!/usr/bin/env python3
"""Regenerates the PyTorch parity fixtures of the cSiT model (Tests/CSiTKitTests/Fixtures).

Run once by a developer; CI reads the committed files and never needs torch:

    pip install torch safetensors numpy pillow
    python3 tools/make_model_fixtures.py [--reference ../shared/bench/torch_csit.py] [--out DIR]

It drives the shared PyTorch reference (`torch_csit.py --export-fixture`) at configurations
small enough to commit, registering one extra preset for them:

    csit-test   d 48, L 2, h 2, MLP ratio 2

and writes, per configuration, weights.safetensors, weights_finetune.safetensors,
inputs.safetensors (the batch and every random draw), expected.safetensors (activations,
outputs, losses, gradients, one AdamW step, a train-mode run with pinned drop-path masks,
fine-tune logits/probabilities/loss and the gradient of every fine-tune parameter) and the
reference's README.md.

The shared reference has no CCT, so this script also holds a PyTorch CCT written after the
published Compact-Transformers code (SHI-Labs, src/cct.py, src/utils/tokenizer.py,
src/utils/transformers.py; see `CCT` below) and writes one forward-parity fixture for the
Swift `CCTModel`:

    cct-test48  CCT-2/7x2 at 48 px: d 20, L 2, h 2, MLP ratio 3, tokenizer 3 -> 64 -> d,
                grid 3x3 = 9 tokens, 5 classes, batch 2 (widths off the multiples of 8 on
                purpose, so vector tails are exercised)

(weights.safetensors with the published state-dict keys, inputs.safetensors with the
images, expected.safetensors with the tokenizer output, block-0 output and eval-mode logits,
README.md).

Everything is generated into a scratch directory first; a file whose tensors and metadata
equal the committed one's is left untouched (safetensors writes its metadata in hash order,
so identical content need not give identical bytes), so a regeneration only rewrites what
changed.
"""
import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections import OrderedDict
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "CSiTKitTests", "Fixtures")

CONFIGS = [
    # name, preset, image size, token stride, batch, classes, representation size
    ("test32-s8-r16", "csit-test", 32, 8, 2, 3, 16),
    ("test32-s16", "csit-test", 32, 16, 3, 2, 0),
]

# name, image size, d, L, heads, MLP ratio, tokenizer channels, classes, batch, seed
CCT_CONFIGS = [
    ("cct-test48", 48, 20, 2, 2, 3, 64, 5, 2, 0),
]


def export_csit(ref, out):
    from safetensors.torch import load_file
    ref.PRESETS["csit-test"] = dict(dim=48, depth=2, heads=2, mlp_ratio=2)
    for name, preset, size, stride, batch, classes, rep in CONFIGS:
        # The reference stores ft.grad.* for the names in FT_GRAD_PARAMS: list every parameter
        # of this configuration's fine-tune model. (Building the model here draws from torch's
        # generator, but export_fixture reseeds it first, so the fixture is unchanged.)
        ft = ref.CSiT(preset, size, stride, "finetune", num_classes=classes, representation_size=rep or None)
        ref.FT_GRAD_PARAMS = [k for k, p in ft.named_parameters() if p.requires_grad]
        del ft
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        ref.export_fixture(SimpleNamespace(export_fixture=d, preset=preset, image_size=size, token_stride=stride,
                                           batch=batch, classes=classes, representation_size=rep, seed=0,
                                           all_grads=True))
        exp = load_file(os.path.join(d, "expected.safetensors"))
        got = sorted(k[len("ft.grad."):] for k in exp if k.startswith("ft.grad."))
        assert got == sorted(ref.FT_GRAD_PARAMS), f"{name}: ft.grad.* does not cover every parameter"


# =============================================================================== CCT
def cct_modules():
    """The published CCT (Hassani et al. 2021, github.com/SHI-Labs/Compact-Transformers) as
    the modules and state-dict keys of its code, restricted to the options CCT-14/7x2 uses:
    convolutional tokenizer with ReLU and max-pool, learnable positional embedding, SeqPool,
    post-norm encoder layers (`pre_norm` before attention, `norm1` after the first residual),
    qkv without bias, LayerNorm eps 1e-5 (PyTorch's default), exact GELU."""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Tokenizer(nn.Module):
        # src/utils/tokenizer.py Tokenizer: conv_layers.i = Sequential(Conv2d(k, stride, pad,
        # bias=False), ReLU, MaxPool2d(3, 2, 1)); channels 3 -> in_planes (x n-1) -> d;
        # flatten(2, 3).transpose(-2, -1): tokens row-major over the grid.
        def __init__(self, dim, mid, n_conv_layers=2, kernel_size=7):
            super().__init__()
            stride = max(1, kernel_size // 2 - 1)      # _cct's defaults: 7 -> stride 2, padding 3
            padding = max(1, kernel_size // 2)
            chans = [3] + [mid] * (n_conv_layers - 1) + [dim]
            self.conv_layers = nn.Sequential(*[
                nn.Sequential(nn.Conv2d(chans[i], chans[i + 1], kernel_size, stride, padding, bias=False),
                              nn.ReLU(), nn.MaxPool2d(3, 2, 1))
                for i in range(n_conv_layers)])
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight)

        def forward(self, x):
            return self.conv_layers(x).flatten(2, 3).transpose(-2, -1)

    class Attention(nn.Module):
        # timm's attention as CCT copies it: qkv without bias, rows [q | k | v] by head.
        def __init__(self, dim, heads, attention_dropout, projection_dropout):
            super().__init__()
            self.heads = heads
            self.scale = (dim // heads) ** -0.5
            self.qkv = nn.Linear(dim, 3 * dim, bias=False)
            self.attn_drop = nn.Dropout(attention_dropout)
            self.proj = nn.Linear(dim, dim)
            self.proj_drop = nn.Dropout(projection_dropout)

        def forward(self, x):
            b, n, c = x.shape
            q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
            a = self.attn_drop(((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1))
            return self.proj_drop(self.proj((a @ v).transpose(1, 2).reshape(b, n, c)))

    class DropPath(nn.Module):
        def __init__(self, p):
            super().__init__()
            self.p = p

        def forward(self, x):
            if not self.training or self.p == 0:
                return x
            keep = torch.rand(x.shape[0], *([1] * (x.dim() - 1)), device=x.device) >= self.p
            return x * keep / (1 - self.p)

    class TransformerEncoderLayer(nn.Module):
        # src = src + dp(attn(pre_norm(src))); src = norm1(src);
        # src = src + dp(dropout2(linear2(dropout1(gelu(linear1(src))))))
        def __init__(self, d, heads, hidden, dropout, attention_dropout, drop_path_rate):
            super().__init__()
            self.pre_norm = nn.LayerNorm(d)
            self.self_attn = Attention(d, heads, attention_dropout, dropout)
            self.linear1 = nn.Linear(d, hidden)
            self.dropout1 = nn.Dropout(dropout)
            self.norm1 = nn.LayerNorm(d)
            self.linear2 = nn.Linear(hidden, d)
            self.dropout2 = nn.Dropout(dropout)
            self.drop_path = DropPath(drop_path_rate) if drop_path_rate > 0 else nn.Identity()

        def forward(self, src):
            src = src + self.drop_path(self.self_attn(self.pre_norm(src)))
            src = self.norm1(src)
            return src + self.drop_path(self.dropout2(self.linear2(self.dropout1(F.gelu(self.linear1(src))))))

    class TransformerClassifier(nn.Module):
        # seq_pool=True, positional_embedding='learnable'
        def __init__(self, d, depth, heads, mlp_ratio, classes, seq_len, dropout, attention_dropout,
                     stochastic_depth):
            super().__init__()
            self.attention_pool = nn.Linear(d, 1)
            self.positional_emb = nn.Parameter(torch.zeros(1, seq_len, d))
            nn.init.trunc_normal_(self.positional_emb, std=0.2)
            self.dropout = nn.Dropout(dropout)
            rates = [r.item() for r in torch.linspace(0, stochastic_depth, depth)]
            self.blocks = nn.ModuleList(
                TransformerEncoderLayer(d, heads, int(d * mlp_ratio), dropout, attention_dropout, r) for r in rates)
            self.norm = nn.LayerNorm(d)
            self.fc = nn.Linear(d, classes)
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.trunc_normal_(m.weight, std=0.02)
                    if m.bias is not None:
                        nn.init.zeros_(m.bias)
                elif isinstance(m, nn.LayerNorm):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)

        def forward(self, x, capture=None):
            x = self.dropout(x + self.positional_emb)
            for i, blk in enumerate(self.blocks):
                x = blk(x)
                if capture is not None and i == 0:
                    capture["block0"] = x
            x = self.norm(x)
            # SeqPool: softmax over the sequence of Linear(d -> 1), weighted sum of the tokens
            x = torch.matmul(F.softmax(self.attention_pool(x), dim=1).transpose(-1, -2), x).squeeze(-2)
            return self.fc(x)

    class CCT(nn.Module):
        # src/cct.py CCT defaults: dropout 0, attention_dropout 0.1, stochastic_depth 0.1
        def __init__(self, image_size, dim, depth, heads, mlp_ratio, mid, classes):
            super().__init__()
            self.tokenizer = Tokenizer(dim, mid)
            with torch.no_grad():
                seq_len = self.tokenizer(torch.zeros(1, 3, image_size, image_size)).shape[1]
            self.classifier = TransformerClassifier(dim, depth, heads, mlp_ratio, classes, seq_len,
                                                    dropout=0.0, attention_dropout=0.1, stochastic_depth=0.1)

        def forward(self, x, capture=None):
            t = self.tokenizer(x)
            if capture is not None:
                capture["tokens"] = t
            return self.classifier(t, capture)

    return CCT


def export_cct(out):
    import torch
    from safetensors.torch import save_file
    CCT = cct_modules()
    for name, size, dim, depth, heads, ratio, mid, classes, batch, seed in CCT_CONFIGS:
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        torch.manual_seed(seed)
        model = CCT(size, dim, depth, heads, ratio, mid, classes)
        # The published init leaves every bias 0 and every LayerNorm at (1, 0), and its 0.02
        # weights make attention and SeqPool nearly uniform: a fixture drawn so would not see
        # a misplaced bias, norm or softmax. Re-draw them (fixture only, not the CCT recipe).
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.LayerNorm):
                    m.weight.normal_(1, 0.1)
                    m.bias.normal_(0, 0.1)
                elif isinstance(m, torch.nn.Linear):
                    m.weight.normal_(0, m.in_features ** -0.5)
                    if m.bias is not None:
                        m.bias.normal_(0, 0.1)
        model.eval()
        # Smooth random images (a 6x6 field upsampled, plus pixel noise) with a per-image
        # contrast, so tokens, attention and SeqPool weights differ between images.
        field = torch.randn(batch, 3, 6, 6) * torch.linspace(0.5, 2.0, batch).view(-1, 1, 1, 1)
        x = torch.nn.functional.interpolate(field, size=(size, size), mode="bilinear", align_corners=False)
        x = (x + 0.3 * torch.randn(batch, 3, size, size)).contiguous()
        cap = {}
        with torch.no_grad():
            logits = model(x, cap)
        meta = dict(preset=name, architecture="cct", image_size=str(size), token_stride="16", dim=str(dim),
                    depth=str(depth), heads=str(heads), mlp_ratio=str(ratio), tokenizer_channels=str(mid),
                    classes=str(classes), batch=str(batch), seed=str(seed), torch=torch.__version__,
                    format="cct-fixture-1")
        weights = OrderedDict((k, v.detach().contiguous().clone()) for k, v in model.state_dict().items())
        inputs = OrderedDict(images=x.contiguous())
        exp = OrderedDict([("tokens", cap["tokens"].contiguous()), ("block0", cap["block0"].contiguous()),
                           ("logits", logits.contiguous())])
        save_file(weights, os.path.join(d, "weights.safetensors"), metadata=meta)
        save_file(inputs, os.path.join(d, "inputs.safetensors"), metadata=meta)
        save_file(exp, os.path.join(d, "expected.safetensors"), metadata=meta)
        n = (size // 16) ** 2
        lines = [
            f"# CCT fixture: {name}, S = {size}, batch B = {batch}, seed {seed}",
            "",
            f"Written by `tools/make_model_fixtures.py` (PyTorch {torch.__version__}) from its PyTorch CCT, "
            "written after the published Compact-Transformers code (src/cct.py, src/utils/tokenizer.py, "
            "src/utils/transformers.py): the state-dict keys are that code's.",
            "",
            f"Model: CCT-{depth}/7x2, d = {dim}, L = {depth}, heads = {heads}, MLP ratio = {ratio}, "
            f"tokenizer 3 → {mid} → {dim} (two 7×7/2 convs without bias, each ReLU + max-pool 3/2/1), "
            f"grid {size // 16}×{size // 16} = {n} tokens, learnable positional embedding, post-norm "
            "encoder layers without qkv bias, LayerNorm eps 1e-5, exact GELU, SeqPool, "
            f"{classes} classes. Eval mode (attention dropout 0.1 and drop-path off).",
            "",
            "Parameters are re-drawn for the fixture (biases N(0, 0.1), LayerNorm weights N(1, 0.1), "
            "Linear weights N(0, 1/fan_in); convs Kaiming normal, positional embedding trunc-normal 0.2 "
            "as published) so that every tensor matters to the logits.",
            "",
            "| file | tensor | shape | meaning |",
            "| --- | --- | --- | --- |",
            f"| inputs | `images` | {batch}×3×{size}×{size} | float32 input batch: a 6×6 N(0, c_b²) field "
            "upsampled bilinearly (c_b = linspace(0.5, 2, B)) plus N(0, 0.3²) pixel noise |",
            f"| expected | `tokens` | {batch}×{n}×{dim} | tokenizer output, row-major over the grid |",
            f"| expected | `block0` | {batch}×{n}×{dim} | after + positional_emb and encoder layer 0 |",
            f"| expected | `logits` | {batch}×{classes} | classifier.fc(SeqPool(norm(x))) |",
            "",
            "## weights.safetensors keys",
            "",
            "| key | shape |",
            "| --- | --- |",
        ] + [f"| `{k}` | {'×'.join(map(str, v.shape))} |" for k, v in weights.items()] + [""]
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write("\n".join(lines))
        print(json.dumps(dict(kind="cct_fixture", dir=d, params=sum(v.numel() for v in weights.values()),
                              logits=logits.tolist())))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", default=os.path.join(ROOT, "..", "shared", "bench", "torch_csit.py"))
    ap.add_argument("--out", default=OUT, help="fixture root (default Tests/CSiTKitTests/Fixtures)")
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("torch_csit", args.reference)
    ref = importlib.util.module_from_spec(spec)
    sys.modules["torch_csit"] = ref
    spec.loader.exec_module(ref)
    tmp = tempfile.mkdtemp(prefix="csit-fixtures-")
    try:
        export_csit(ref, tmp)
        export_cct(tmp)
        for name in sorted(os.listdir(tmp)):
            sync(os.path.join(tmp, name), os.path.join(args.out, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def same_safetensors(a, b):
    import torch
    from safetensors import safe_open
    with safe_open(a, "pt") as fa, safe_open(b, "pt") as fb:
        if fa.metadata() != fb.metadata() or sorted(fa.keys()) != sorted(fb.keys()):
            return False
        for k in fa.keys():
            x, y = fa.get_tensor(k), fb.get_tensor(k)
            if x.dtype != y.dtype or x.shape != y.shape or not torch.equal(x, y):
                return False
    return True


def sync(src, dst):
    """Makes directory `dst` hold `src`'s files, keeping the ones whose content is unchanged."""
    os.makedirs(dst, exist_ok=True)
    new = set(os.listdir(src))
    for f in sorted(set(os.listdir(dst)) - new):
        os.remove(os.path.join(dst, f))
        print(json.dumps(dict(kind="removed", file=os.path.join(dst, f))))
    for f in sorted(new):
        s, d = os.path.join(src, f), os.path.join(dst, f)
        if os.path.exists(d):
            if f.endswith(".safetensors"):
                unchanged = same_safetensors(s, d)
            else:
                with open(s, "rb") as x, open(d, "rb") as y:
                    unchanged = x.read() == y.read()
            if unchanged:
                print(json.dumps(dict(kind="unchanged", file=d)))
                continue
        shutil.copyfile(s, d)
        print(json.dumps(dict(kind="written", file=d, bytes=os.path.getsize(d))))


if __name__ == "__main__":
    main()
