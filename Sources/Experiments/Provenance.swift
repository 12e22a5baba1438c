import Collectives
import Foundation
import TensorKit
import Training

/// Where a run's numbers came from: code, toolchain, BLAS, machine, seeds, data hashes.
public struct Provenance: Codable, Sendable {
    public var gitCommit: String?
    public var gitDirty: Bool?
    public var computeVersion: String
    public var swiftVersion: String?
    public var blas: String
    public var host: String
    public var cores: Int
    public var memoryBytes: UInt64
    public var threads: Int
    /// Processes that trained the run together (data parallelism; 1 without). Not part of
    /// the run's identity: the number of processes does not change the result.
    public var processes: Int?
    /// The hosts those processes ran on, in order of first rank.
    public var hosts: [String]?
    /// How the run executed (threads, loaders, cache): never part of its id.
    public var execution: ExecutionConfig
    public var seed: UInt64
    public var splitSeed: UInt64
    public var manifestSHA256: String?
    public var started: String

    public static func collect(config: RunConfig, execution: ExecutionConfig, runDir: URL) -> Provenance {
        func shell(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = args
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return p.terminationStatus == 0 ? out.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
        let commit = shell(["git", "rev-parse", "HEAD"])
        let dirty = commit == nil ? nil : !(shell(["git", "status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty
        let manifest = try? String(contentsOf: runDir.appendingPathComponent("manifest.csv.sha256"), encoding: .utf8)
        return Provenance(gitCommit: commit, gitDirty: dirty, computeVersion: ComputeVersion.string,
                          swiftVersion: shell(["swift", "--version"])?.split(separator: "\n").first.map(String.init),
                          blas: BLAS.configuration, host: ProcessInfo.processInfo.hostName,
                          cores: ProcessInfo.processInfo.activeProcessorCount, memoryBytes: ProcessInfo.processInfo.physicalMemory,
                          threads: execution.threads ?? Parallel.threadCount, processes: World.current.size,
                          hosts: World.current.distinctHosts, execution: execution, seed: config.seed, splitSeed: config.splitSeed,
                          manifestSHA256: manifest?.trimmingCharacters(in: .whitespacesAndNewlines),
                          started: ISO8601DateFormatter().string(from: Date()))
    }
}
