#!/usr/bin/env bash
# make bench-slide: csit slide predict on the bundled slide (data/sample/cmu_small_region.svs,
# 2220 × 2967 px at 0.499 µm/px) with a csit-compact 224 px fine-tuned checkpoint (one epoch
# on the NCT fixture: speed does not depend on the weights) at 1 and 2 threads: tiles/s of
# the classification loop, wall time and peak RSS of the whole process (/usr/bin/time), and
# the time projected for a 100,000 × 80,000 px slide at 0.5 µm/px with 30 % tissue (at
# stride 224, no overlap). Tiles overlap (stride 112) so the small slide gives ~160 tissue
# tiles, ten batches; thread counts alternate over two rounds so drift hits both alike.
# JSON lines on stdout and in results/bench/slide.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
CSIT=.build/release/csit
OUT=results/bench/slide.jsonl
THREADS=${SLIDE_THREADS:-1 2 1 2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$CSIT" train --mode ft --dataset nct --data Tests/HistoDataTests/Fixtures/nct --preset csit-compact \
  --image-size 224 --token-stride 16 --epochs 1 --batch-size 8 --warmup-epochs 0 --validation 0 \
  --output "$work/model" >/dev/null 2>&1
tmp=$(mktemp)
i=0
for t in $THREADS; do
  i=$((i + 1))
  /usr/bin/time -f '%M %e' -o "$work/time" "$CSIT" slide predict data/sample/cmu_small_region.svs \
    --checkpoint "$work/model/model.safetensors" --threads "$t" --batch 16 --stride 112 --output "$work/out-$i" 2>"$work/log-$i"
  line=$(tail -1 "$work/log-$i")
  read -r rss_kib wall < "$work/time"
  python3 - "$t" "$line" "$rss_kib" "$wall" <<'PY' | tee -a "$tmp"
import json, re, sys
threads, line, rss_kib, wall = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
m = re.search(r"(\d+) of (\d+) tiles with tissue.*classified (\d+) in ([\d.]+) s \(([\d.]+) tiles/s\)", line)
tissue, grid, n, secs, rate = int(m[1]), int(m[2]), int(m[3]), float(m[4]), float(m[5])
# A 100,000 × 80,000 px slide at 0.5 µm/px: 446 × 357 tiles of 224 px, 30 % of them tissue.
big = int(100_000 / 224) * int(80_000 / 224) * 0.3
print(json.dumps({"bench": "slide_predict", "slide": "cmu_small_region.svs", "preset": "csit-compact", "image_size": 224,
                  "batch": 16, "stride": 112, "threads": threads, "loader_workers": 2, "tiles_grid": grid, "tiles_tissue": tissue, "tiles_classified": n,
                  "classify_s": secs, "tiles_per_s": rate, "wall_s": wall, "peak_rss_mib": round(rss_kib / 1024),
                  "projected_100k_x_80k_tiles": round(big), "projected_100k_x_80k_hours": round(big / rate / 3600, 2)}))
PY
done
mv "$tmp" "$OUT"
echo "wrote $OUT" >&2
