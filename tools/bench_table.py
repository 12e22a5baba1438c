#!/usr/bin/env python3
"""Markdown table of a `make bench-vs-torch` run (results/bench/README.md is made with it).

    python3 tools/bench_table.py results/bench/bench-vs-torch.jsonl

One row per case: csit and PyTorch (glibc malloc, tcmalloc) images/s with the ratios,
then peak RSS of the three processes; the numbers are the JSON lines' own.
"""
import json
import sys


def main(path):
    csit, torch = {}, {}
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"):
            continue
        d = json.loads(line)
        if d.get("engine") == "csit":
            mode = d["bench"].removeprefix("model_")
            csit[(mode, d["image_size"], d["token_stride"], d["batch"], d["threads"])] = d
        elif d.get("kind") == "bench":
            key = (d["mode"], d["image_size"], d["token_stride"], d["batch"], d["threads"])
            torch[(key, d["malloc"])] = d
    print("| case | threads | csit img/s | torch (glibc) | ratio | torch (tcmalloc) | ratio "
          "| peak RSS csit / torch-glibc / torch-tcmalloc (MiB) | csit GFLOP/s (of raw sgemm) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key, c in csit.items():
        mode, size, stride, batch, threads = key
        cells = [f"{mode}, S {size}, batch {batch}, token stride {stride}", str(threads), f"{c['images_per_s']:.2f}"]
        rss = [f"{c['peak_rss_mib']:.0f}"]
        for malloc in ("glibc", "tcmalloc"):
            t = torch.get((key, malloc))
            if t is None:
                cells += ["–", "–"]
                rss.append("–")
                continue
            cells += [f"{t['images_per_s']:.2f}", f"{c['images_per_s'] / t['images_per_s']:.2f}×"]
            rss.append(f"{t['peak_rss_mib']:.0f}")
        cells.append(" / ".join(rss))
        share = f" ({c['gflops_vs_sgemm']:.0%})" if "gflops_vs_sgemm" in c else ""
        cells.append(f"{c['achieved_gflops']:.0f}{share}")
        print("| " + " | ".join(cells) + " |")
    scaling = [json.loads(l) for l in open(path) if '"scaling"' in l]
    if scaling:
        print()
        print("csit thread scaling (images/s at N threads / at 1 thread): " + ", ".join(
            f"{d['mode']} S {d['image_size']} {d['threads']}T {d['images_per_s']:.2f}×" for d in scaling))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/bench/bench-vs-torch.jsonl")
