# csit — build, test, benchmark and demo entry points.
SWIFT        ?= swift
APT_PACKAGES := libopenblas-dev libpng-dev libtiff-dev libjpeg-dev pkg-config libopenmpi-dev openmpi-bin libopenslide-dev openslide-tools chromium fonts-dejavu-core
# Tests run optimised: the numeric checks and model tests are too slow unoptimised.
TEST_FLAGS   ?= -c release
BENCH_ARGS   ?=

.PHONY: deps build test test-slurm fuzz mutate bench bench-dp bench-vs-torch bench-slide demo slide-demo ablation-demo reproduce clean

## deps: install the system libraries (apt; quiet and quick when already present)
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## build: release build of the csit and csit-bench executables
build: deps
	$(SWIFT) build -c release

## test: every unit, gradient-check and golden test
test: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing

## test-slurm: the Slurm executor end to end against a real one-node cluster on 127.0.0.1
test-slurm: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	tools/with-slurm.sh $(SWIFT) test $(TEST_FLAGS) --skip-build --disable-swift-testing --filter SlurmTests

## fuzz: libFuzzer on the spec loader, the safetensors reader and the PNG/JPEG/TIFF decoders (FUZZ_SECONDS each, default 600)
fuzz: deps
	tools/fuzz.sh

## mutate: plant known bugs one by one; fails when the suite misses one (tools/mutate.py)
mutate: deps
	python3 tools/mutate.py

## bench: kernel and layer benchmarks, one JSON line per measurement
bench: build
	.build/release/csit-bench $(BENCH_ARGS)

## bench-dp: one training step on 1 process × N threads against N processes × 1 thread (mpirun), JSON lines into results/bench/data-parallel.jsonl
bench-dp: build
	tools/bench-dp.sh

## bench-vs-torch: csit and the PyTorch reference side by side (installs torch with pip if missing)
bench-vs-torch: build
	@python3 -c "import torch, PIL" 2>/dev/null || pip install --quiet torch pillow safetensors numpy
	@dpkg -s libgoogle-perftools4 >/dev/null 2>&1 || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get install -y -qq libgoogle-perftools4 >/dev/null 2>&1 || true; }
	python3 tools/bench_vs_torch.py $(BENCH_ARGS)

## bench-slide: csit slide predict on the bundled slide at 1 and 2 threads (tiles/s, peak RSS, projection for a 100k × 80k slide), JSON lines into results/bench/slide.jsonl
bench-slide: build
	tools/bench-slide.sh

## demo: build and run the main job on bundled data (results/demo/*.md, the HTML report in results/demo/report/)
demo: build
	.build/release/csit data sample --tile 64 --output runs/sample64
	.build/release/csit run experiments/demo.yaml

## slide-demo: a tissue map of the bundled slide with a model fine-tuned on the bundled sample set (results/slide-demo/; about a minute on 2 cores)
slide-demo: build
	.build/release/csit data sample --tile 64 --output runs/sample64
	.build/release/csit train --mode ft --dataset imagefolder --data runs/sample64/labeled --preset csit-tiny --image-size 64 \
	  --token-stride 8 --epochs 6 --batch-size 32 --warmup-epochs 1 --lr 2e-3 --validation 0 --seed 0 --output runs/slide-demo-model
	rm -rf results/slide-demo
	.build/release/csit slide predict data/sample/cmu_small_region.svs --checkpoint runs/slide-demo-model --tile 64 \
	  --thumbnail 512 --output results/slide-demo

## ablation-demo: the pretext-task ablation on the bundled sample set (results/ablation-demo/*.md; a few minutes on 2 cores)
ablation-demo: build
	.build/release/csit data sample --tile 64 --output runs/sample64
	.build/release/csit run experiments/ablation-demo.yaml --jobs 2

## reproduce: every paper spec (experiments/*.yaml but the demo) on real data: make reproduce DATA=/path/to/datasets
## (layout, downloads and cost: README.md, "Reproducing the paper"; about 2,100 core-hours in all)
reproduce: build
	@test -n "$(DATA)" || { echo "usage: make reproduce DATA=/path/to/datasets (see README.md, Reproducing the paper)"; exit 2; }
	for spec in ssl-pretrain nct breakhis breakhis-patient breakhis-zoom semi-supervised ssl-methods; do \
	  CSIT_DATA=$(DATA) .build/release/csit run experiments/$$spec.yaml || exit $$?; done

clean:
	rm -rf .build
