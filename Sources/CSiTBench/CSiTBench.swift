import ArgumentParser
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

    @Option(help: "Comma-separated groups: linear, conv, memory, attention.")
    var only: String = "linear,conv,memory,attention"

    func run() throws {
        let groups = Set(only.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        for t in threads.split(separator: ",").compactMap({ Int($0) }) {
            Parallel.threadCount = t
            let bench = KernelBenchmarks(batch: batch, threads: t) { print($0.line()); fflush(stdout) }
            if groups.contains("linear") { bench.runLinear() }
            if groups.contains("conv") { bench.runConv() }
            if groups.contains("memory") {
                bench.runMemoryBound()
                bench.runMemoryBound(rowsOverride: 64 * 1024)   // 151 MB per operand: DRAM-bound
            }
            if groups.contains("attention") { bench.runAttention() }
        }
    }
}
