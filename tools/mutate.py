#!/usr/bin/env python3
"""make mutate: plants known bugs one at a time and checks that the test suite catches each.

Each mutation replaces one exact piece of source text (it must occur exactly once), rebuilds
the tests, runs the tests that should see it, and restores the file. The script fails when a
mutation survives (the tests still pass) or no longer applies (the code moved: update the
list). Usage: tools/mutate.py [NAME ...] (default: all).
"""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# (name, file, original text, planted text, XCTest filter that must fail)
MUTATIONS = [
    ("hard-label loss ignores label_smoothing", "Sources/Training/TrainingTask.swift",
     "labels: labels, labelSmoothing: c.labelSmoothing)", "labels: labels)",
     "SettingEffectTests"),
    ("pos_embed decays", "Sources/CSiTKit/SSLObjective.swift",
     'noDecayKeys: ["pos_embed", ', 'noDecayKeys: [',
     "ParameterGroupTests"),
    ("weight_decay ignored", "Sources/Training/Trainer.swift",
     "model.parameterGroups(weightDecay: c.weightDecay)", "model.parameterGroups(weightDecay: 0.05)",
     "SettingEffectTests"),
    ("model.depth never reaches the model", "Sources/Training/RunConfig+Model.swift",
     "overriding(dim: dim, depth: depth,", "overriding(dim: dim, depth: nil,",
     "RunSettingTests"),
    ("drop_path_rate never reaches the model", "Sources/Training/RunConfig+Model.swift",
     "        c.dropPathRate = dropPathRate\n", "",
     "SettingEffectTests"),
    ("execution settings in config.json and the id", "Sources/Training/RunSettings+Codable.swift",
     "for setting in RunSetting.all where setting.role == .identity { try setting.encode(s, &c) }",
     "for setting in RunSetting.all { try setting.encode(s, &c) }",
     "RunSettingTests"),
    ("data hash left out of the run id", "Sources/Training/RunIdentity.swift",
     'json + "|" + dataSHA256 + "|" + ComputeVersion.string', 'json + "|" + ComputeVersion.string',
     "RunSettingTests"),
    ("cct-14-7x2 accepted for training", "Sources/Training/RunSetting+Table.swift",
     '.value("preset", \\.config.preset, .choice(trainablePresets)', '.value("preset", \\.config.preset, .choice(CSiTConfig.presetNames)',
     "RunSettingTests"),
    ("spec train block loses a setting", "Sources/Experiments/Resolver.swift",
     'p.entries += try block(tree, ["train", mode.rawValue])', 'p.entries += []',
     "SpecSettingsTests"),
    ("mixup_prob ignored", "Sources/Training/TrainingTask.swift",
     "(c.mixup, c.cutmix, c.mixupProbability, c.labelSmoothing)", "(c.mixup, c.cutmix, 1.0, c.labelSmoothing)",
     "SettingEffectTests"),
    ("split_seed ignored", "Sources/Training/RunData.swift",
     "                                 seed: c.splitSeed)", "                                 seed: 0)",
     "SettingEffectTests"),
    ("gradient clipping ignored", "Sources/Training/Trainer.swift",
     "if let maxNorm = c.clipGradNorm {", "if let maxNorm = c.clipGradNorm, maxNorm < 0 {",
     "SettingEffectTests"),
    ("parallel depth shared by all threads", "Sources/TensorKit/Parallel.swift",
     "    public static var availableThreads: Int { depth > 0 ? 1 : _threads }",
     "    public static var availableThreads: Int { depth > 0 || globalDepth > 0 ? 1 : _threads }\n"
     "    nonisolated(unsafe) static var globalDepth = 0",
     None),  # planted below together with its writer
    ("a dropped prefetcher leaves its workers blocked", "Sources/HistoData/Prefetcher.swift",
     "    deinit { cancel() }", "    deinit {}",
     "LoaderTests"),
    ("dependents of a failed SSL run are started", "Sources/Experiments/Scheduler.swift",
     "if let dep = r.dependsOn, let why = outcome.failed[dep] {", "if let dep = r.dependsOn, let why = outcome.failed[dep], false {",
     "SchedulerTests"),
    ("run lock ignores other processes", "Sources/Experiments/RunStore.swift",
     "        return errno == EWOULDBLOCK\n", "        return false\n",
     "RunStoreTests"),
    ("frozen probe trains the backbone", "Sources/CSiTKit/CSiTModel.swift",
     "        freeze()\n        for m in [rotHead, contrastiveHead]", "        for m in [rotHead, contrastiveHead]",
     "TrainerTests"),
    ("fine-tune gradient of the heads wrong", "Sources/CSiTKit/SSLObjective.swift",
     "+ output.contrastive.crossEntropy(labels: labels, labelSmoothing: labelSmoothing)",
     "+ output.contrastive.crossEntropy(labels: labels, labelSmoothing: labelSmoothing) * 1.01",
     "ParityTests"),
]

# The parallel-depth mutation also needs its writer: the global counter set in regions.
EXTRA = {
    "parallel depth shared by all threads": [
        ("Sources/TensorKit/Parallel.swift",
         "            let outer = depth\n",
         "            let outer = depth\n            globalDepth += 1; defer { globalDepth -= 1 }\n"),
    ],
}
FILTER = {"parallel depth shared by all threads": "ParallelTests"}


def sh(cmd):
    return subprocess.run(cmd, cwd=ROOT, shell=True, capture_output=True, text=True)


def main():
    chosen = sys.argv[1:]
    survived, stale = [], []
    for name, path, old, new, test in MUTATIONS:
        if chosen and name not in chosen:
            continue
        test = test or FILTER[name]
        edits = [(path, old, new)] + EXTRA.get(name, [])
        saved = {}
        ok = True
        for p, o, n in edits:
            f = ROOT / p
            text = saved.setdefault(p, f.read_text())
            current = f.read_text()
            if current.count(o) != 1:
                ok = False
                break
            f.write_text(current.replace(o, n))
        if not ok:
            for p, t in saved.items():
                (ROOT / p).write_text(t)
            stale.append(name)
            print(f"STALE    {name}: the original text no longer occurs once in {path}", flush=True)
            continue
        try:
            build = sh("swift build -c release --build-tests 2>&1")
            if build.returncode != 0:
                print(f"CAUGHT   {name} (does not compile)", flush=True)
                continue
            run = sh(f"swift test -c release --skip-build --disable-swift-testing --filter '{test}' 2>&1")
            if run.returncode == 0:
                survived.append(name)
                print(f"SURVIVED {name}: {test} still passes", flush=True)
            else:
                print(f"CAUGHT   {name} by {test}", flush=True)
        finally:
            for p, t in saved.items():
                (ROOT / p).write_text(t)
    sh("swift build -c release --build-tests 2>&1")
    total = len([m for m in MUTATIONS if not chosen or m[0] in chosen])
    print(f"{total - len(survived) - len(stale)} of {total} mutations caught; {len(survived)} survived; {len(stale)} stale")
    return 1 if survived or stale else 0


if __name__ == "__main__":
    sys.exit(main())
