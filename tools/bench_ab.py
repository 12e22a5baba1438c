#!/usr/bin/env python3
"""Two csit-bench binaries side by side: alternate them round by round (A B, B A, ...) on
the same arguments, so machine drift hits both alike, and report after/before ratios.

    tools/bench_ab.py --before OLD/csit-bench --after .build/release/csit-bench \
        --rounds 2 --jsonl out.jsonl --markdown out.md -- --threads 2 --only linear,model

Each record's throughput (images/s, else GFLOP/s, else GB/s, else 1/median_ms) is compared
by the median over rounds; a ratio above 1 means the after binary is faster.
"""
import argparse, json, statistics, subprocess, sys

MEASURED = {"median_ms", "gflops", "sgemm_gflops", "ratio_vs_sgemm", "gb_per_s", "copy_gb_per_s", "ratio_vs_copy",
            "images_per_s", "views_per_s", "median_step_s", "best_step_s", "achieved_gflops", "peak_rss_mib",
            "data_prep_s_per_image", "step_times", "ms_per_step", "share", "ratio", "speedup", "images", "gflop_per_image"}


def key(r):
    return tuple(sorted((k, str(v)) for k, v in r.items() if k not in MEASURED and not k.endswith("_s") and not k.startswith("ratio")))


def throughput(r):
    for field in ("images_per_s", "gflops", "gb_per_s"):
        if isinstance(r.get(field), (int, float)):
            return float(r[field]), field
    if isinstance(r.get("median_ms"), (int, float)) and r["median_ms"] > 0:
        return 1000.0 / r["median_ms"], "1/median_ms"
    return None, None


def run(binary, args):
    out = subprocess.run([binary] + args, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", required=True)
    p.add_argument("--after", required=True)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--jsonl", help="every record, tagged with build and round")
    p.add_argument("--markdown", help="the ratio table")
    p.add_argument("args", nargs=argparse.REMAINDER, help="-- then csit-bench arguments")
    a = p.parse_args()
    bench_args = a.args[1:] if a.args[:1] == ["--"] else a.args
    records = []
    for r in range(a.rounds):
        order = [("before", a.before), ("after", a.after)]
        if r % 2:
            order.reverse()
        for build, binary in order:
            print(f"round {r + 1}/{a.rounds}: {build}", file=sys.stderr, flush=True)
            for rec in run(binary, bench_args):
                rec.update(build=build, round=r + 1)
                records.append(rec)
    if a.jsonl:
        with open(a.jsonl, "w") as f:
            for rec in records:
                f.write(json.dumps(rec, sort_keys=True) + "\n")
    rows, seen = [], {}
    for rec in records:
        value, field = throughput(rec)
        if value is None:
            continue
        k = key({x: y for x, y in rec.items() if x not in ("build", "round")})
        if k not in seen:
            seen[k] = {"before": [], "after": [], "field": field}
            rows.append(k)
        seen[k][rec["build"]].append(value)
    lines = ["| bench | unit | before | after | after / before (medians) |", "|---|---|---|---|---|"]
    ratios = []
    for k in rows:
        s = seen[k]
        if not s["before"] or not s["after"]:
            continue
        ratio = statistics.median(s["after"]) / statistics.median(s["before"])
        ratios.append(ratio)
        name = ", ".join(f"{x}={y}" for x, y in k if x != "bench")
        bench = dict(k).get("bench", "?")
        fmt = lambda v: ", ".join(f"{x:.4g}" for x in v)
        lines.append(f"| {bench} ({name}) | {s['field']} | {fmt(s['before'])} | {fmt(s['after'])} | {ratio:.3f} |")
    if ratios:
        geo = statistics.geometric_mean(ratios)
        lines.append("")
        lines.append(f"Geometric mean of the ratios: {geo:.3f} over {len(ratios)} cases; lowest {min(ratios):.3f}, highest {max(ratios):.3f}.")
    table = "\n".join(lines) + "\n"
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table)
    print(table)


if __name__ == "__main__":
    main()
