#!/usr/bin/env python3
"""csit against the PyTorch reference of the same model, side by side, interleaved.

    make bench-vs-torch            # installs torch with pip when missing (not part of CI)

For every case (csit-compact; S 224 batch 16 token stride 16 and S 64 batch 64 token
stride 8; SSL step, fine-tune step, inference; 2 and 1 threads) it runs csit-bench and
../shared/bench/torch_csit.py (glibc malloc, then tcmalloc when libgoogle-perftools4 is
installed) one after the other, each in a fresh process, and prints every JSON line plus
one ratio line per case (csit / torch images per second, and peak RSS). Before the cases it
measures raw sgemm at the model's linear shapes for every thread count (csit-bench's linear
group, OpenBLAS's own threading), so each csit line also carries its whole-step GFLOP/s as a
fraction of that; after them it prints csit's thread scaling (images/s at N threads over 1).
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCH = os.path.join(ROOT, "..", "shared", "bench", "torch_csit.py")
CSIT = os.path.join(ROOT, ".build", "release", "csit-bench")


def run_csit(mode, size, stride, batch, threads, steps):
    out = subprocess.run([CSIT, "--child", f"{mode}/{size}/{stride}/{batch}/{threads}", "--steps", str(steps)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[0])


def sgemm_reference(threads):
    """Best raw sgemm GFLOP/s at the linear layers' shapes (csit-bench --only linear)."""
    out = subprocess.run([CSIT, "--only", "linear", "--threads", str(threads)],
                         capture_output=True, text=True, check=True).stdout
    return max(json.loads(l)["sgemm_gflops"] for l in out.splitlines() if l.startswith("{"))


def run_torch(mode, size, stride, batch, threads, steps, malloc):
    cmd = [sys.executable, TORCH, "--bench", "--preset", "csit-compact", "--image-size", str(size),
           "--token-stride", str(stride), "--batch", str(batch), "--threads", str(threads), "--modes", mode,
           "--steps", str(steps), "--warmup", "2", "--malloc", malloc, "--tries", "1", "--no-flops"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{")][-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", default="2,1")
    ap.add_argument("--cases", default="224/16/16,64/8/64")
    ap.add_argument("--modes", default="ssl,finetune,infer")
    args = ap.parse_args()
    mallocs = ["glibc"] + (["tcmalloc"] if os.path.exists("/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4") else [])
    thread_counts = [int(t) for t in args.threads.split(",")]
    sgemm = {}
    for threads in thread_counts:
        sgemm[threads] = sgemm_reference(threads)
        print(json.dumps({"sgemm_reference": "linear shapes, best", "threads": threads, "gflops": sgemm[threads]}),
              flush=True)
    csit = {}
    for case in args.cases.split(","):
        size, stride, batch = (int(v) for v in case.split("/"))
        for threads in thread_counts:
            for mode in args.modes.split(","):
                c = run_csit(mode, size, stride, batch, threads, args.steps)
                c["gflops_vs_sgemm"] = round(c["achieved_gflops"] / sgemm[threads], 3)
                csit[(mode, size, stride, batch, threads)] = c
                print(json.dumps(c), flush=True)
                for malloc in mallocs:
                    t = run_torch(mode, size, stride, batch, threads, args.steps, malloc)
                    t["engine"] = f"torch-{malloc}"
                    print(json.dumps(t), flush=True)
                    print(json.dumps({"ratio": f"csit/torch-{malloc}", "mode": mode, "image_size": size, "token_stride": stride,
                                      "batch": batch, "threads": threads,
                                      "images_per_s": round(c["images_per_s"] / t["images_per_s"], 3),
                                      "best_step": round(t["best_step_s"] / c["best_step_s"], 3),
                                      "peak_rss": round(c["peak_rss_mib"] / t["peak_rss_mib"], 3),
                                      "csit_images_per_s": c["images_per_s"], "torch_images_per_s": t["images_per_s"]}), flush=True)
    for (mode, size, stride, batch, threads), c in csit.items():
        one = csit.get((mode, size, stride, batch, 1))
        if threads > 1 and one:
            print(json.dumps({"scaling": f"csit {threads}T/1T", "mode": mode, "image_size": size, "token_stride": stride,
                              "batch": batch, "threads": threads,
                              "images_per_s": round(c["images_per_s"] / one["images_per_s"], 3)}), flush=True)


if __name__ == "__main__":
    main()
