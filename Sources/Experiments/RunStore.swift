import Foundation
import Evaluation
import TensorKit
import Training

/// The results folder of an experiment: `runs/<id>/` per run (a Trainer run folder plus
/// `state.json`, `lock`, `provenance.json`, `train.log`), `events.jsonl`, `plan.json`, tables.
public struct RunStore: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public func dir(_ id: String) -> URL { root.appendingPathComponent("runs/\(id)") }

    /// What is known about a run from its folder.
    public enum State: String, Codable, Sendable { case done, failed, running, notStarted = "not started" }

    public struct Status: Codable, Sendable {
        public var state: State
        public var message: String?
        public var pid: Int32?
        public var host: String?
        public var updated: String
    }

    public func status(_ id: String) -> Status {
        let url = dir(id).appendingPathComponent("state.json")
        if let data = try? Data(contentsOf: url), var s = try? JSONDecoder().decode(Status.self, from: data) {
            if s.state == .running, !lockIsLive(id) { s.state = .failed; s.message = s.message ?? "the process ended without finishing (killed?)" }
            return s
        }
        return Status(state: .notStarted, message: nil, pid: nil, host: nil, updated: "")
    }

    public func isDone(_ id: String) -> Bool { status(id).state == .done }

    public func setStatus(_ id: String, _ state: State, message: String? = nil) throws {
        let s = Status(state: state, message: message, pid: getpid(), host: ProcessInfo.processInfo.hostName,
                       updated: ISO8601DateFormatter().string(from: Date()))
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(at: dir(id), withIntermediateDirectories: true)
        try AtomicFile.write(try e.encode(s), to: dir(id).appendingPathComponent("state.json"))
    }

    /// Takes the run's lock (an exclusively created file holding host and pid); a lock whose
    /// process is gone on this host is stale and taken over.
    ///
    /// - Returns: false when another live process holds it.
    public func lock(_ id: String) throws -> Bool {
        try FileManager.default.createDirectory(at: dir(id), withIntermediateDirectories: true)
        let url = dir(id).appendingPathComponent("lock")
        for _ in 0..<2 {
            let fd = open(url.path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
            if fd >= 0 {
                let text = "\(ProcessInfo.processInfo.hostName) \(getpid())\n"
                _ = text.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                return true
            }
            if lockIsLive(id) { return false }
            try? FileManager.default.removeItem(at: url)
        }
        return false
    }

    public func unlock(_ id: String) { try? FileManager.default.removeItem(at: dir(id).appendingPathComponent("lock")) }

    /// True when the lock's process is alive (same host) or on another host (assumed alive).
    func lockIsLive(_ id: String) -> Bool {
        guard let text = try? String(contentsOf: dir(id).appendingPathComponent("lock"), encoding: .utf8) else { return false }
        let parts = text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard parts.count == 2, let pid = Int32(parts[1]) else { return false }
        if parts[0] != ProcessInfo.processInfo.hostName { return true }
        return kill(pid, 0) == 0
    }

    /// The run's test metrics, when it finished with any.
    public func metrics(_ id: String) -> ClassificationMetrics? {
        guard let data = try? Data(contentsOf: dir(id).appendingPathComponent("metrics.json")) else { return nil }
        return try? JSONDecoder().decode(ClassificationMetrics.self, from: data)
    }

    public func config(_ id: String) -> RunConfig? {
        guard let data = try? Data(contentsOf: dir(id).appendingPathComponent("config.json")) else { return nil }
        return try? JSONDecoder().decode(RunConfig.self, from: data)
    }

    /// Appends an event to `events.jsonl` (one JSON object per line, with a timestamp).
    public func event(_ fields: [String: String]) {
        var f = fields
        f["time"] = ISO8601DateFormatter().string(from: Date())
        guard let data = try? JSONSerialization.data(withJSONObject: f, options: [.sortedKeys]) else { return }
        let url = root.appendingPathComponent("events.jsonl")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
        if let h = try? FileHandle(forWritingTo: url) {
            h.seekToEndOfFile()
            h.write(data + Data("\n".utf8))
            try? h.close()
        }
    }
}
