import ArgumentParser
import Collectives
import Foundation
import TensorKit

/// `csit-bench`: throughput of the engine's kernels as JSON lines.
@main
struct CSiTBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csit-bench",
        abstract: "Benchmark csit's kernels and layers at csit-compact's shapes (JSON lines on stdout).")

    @Option(help: "Comma-separated thread counts to measure.")
    var threads: String = "1,2"

    @Option(help: "Batch size B: linear rows are 2·B·198 (two views of B images), the conv runs on B images.")
    var batch: Int = 8

    @Option(help: "Comma-separated groups: linear, conv, memory, attention, data, model.")
    var only: String = "linear,conv,memory,attention,data,model"

    @Option(help: "Model cases as SIZE/STRIDE/BATCH, comma-separated.")
    var modelCases: String = "224/16/8,64/8/32"

    @Option(help: "Model modes: ssl, finetune, infer.")
    var modes: String = "ssl,finetune,infer"

    @Option(help: "Timed model steps per case (median reported).")
    var steps = 5

    @Option(help: ArgumentHelp(visibility: .private))
    var child: String?

    @Flag(help: "Break each model step down by op class (GEMMs, convolutions, attention, norms, …).")
    var profile = false

    @Option(help: "Data-parallel step cases as MODE/SIZE/STRIDE/GLOBAL_BATCH, comma-separated (run alone and under mpirun: tools/bench-dp.sh); replaces every other group.")
    var dataParallel: String?

    func run() throws {
        if let dataParallel {
            Parallel.configure(threads: World.threads(requested: Int(threads)))
            for c in dataParallel.split(separator: ",") {
                let p = c.split(separator: "/").map(String.init)
                guard p.count == 4, let mode = DataParallelBenchmark.Mode(rawValue: p[0]), let s = Int(p[1]), let t = Int(p[2]), let b = Int(p[3]) else {
                    throw ValidationError("--data-parallel case '\(c)': expected MODE/SIZE/STRIDE/GLOBAL_BATCH, e.g. ssl/224/16/16")
                }
                let r = try DataParallelBenchmark(mode: mode, imageSize: s, tokenStride: t, batch: b, steps: steps).run()
                if World.current.isRoot { print(r.line()); fflush(stdout) }
            }
            return
        }
        if let child {
            // One model case in this fresh process, so its peak RSS is its own.
            let p = child.split(separator: "/").map(String.init)
            var bench = ModelBenchmark(mode: ModelBenchmark.Mode(rawValue: p[0])!, imageSize: Int(p[1])!,
                                       tokenStride: Int(p[2])!, batch: Int(p[3])!, threads: Int(p[4])!, steps: steps)
            bench.profile = profile
            for r in try bench.run() { print(r.line()) }
            return
        }
        let groups = Set(only.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        for t in threads.split(separator: ",").compactMap({ Int($0) }) {
            Parallel.configure(threads: t)
            let bench = KernelBenchmarks(batch: batch, threads: t) { print($0.line()); fflush(stdout) }
            bench.warmUp()
            if groups.contains("linear") { bench.runLinear() }
            if groups.contains("conv") { bench.runConv() }
            if groups.contains("memory") {
                bench.runMemoryBound()
                bench.runMemoryBound(rowsOverride: 64 * 1024)   // 151 MB per operand: DRAM-bound
            }
            if groups.contains("attention") { bench.runAttention() }
        }
        if groups.contains("data") {
            try DataBenchmark { print($0.line()); fflush(stdout) }.run(workerCounts: [1, 2])
        }
        if groups.contains("model") {
            for t in threads.split(separator: ",").compactMap({ Int($0) }) {
                for c in modelCases.split(separator: ",") {
                    for m in modes.split(separator: ",") {
                        try runChild("\(m)/\(c)/\(t)")
                    }
                }
            }
        }
    }

    /// Re-runs this executable for one model case and forwards its JSON line.
    func runChild(_ spec: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: p.executableURL!.path) {
            p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        p.arguments = ["--child", spec, "--steps", String(steps)] + (profile ? ["--profile"] : [])
        try p.run()
        p.waitUntilExit()
    }
}
