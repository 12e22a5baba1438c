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

    /// Creates `url` (and its parents) as a folder.
    ///
    /// - Throws: `RunStoreError.notAFolder` naming the path when a file stands in the way.
    public static func makeFolder(_ url: URL) throws {
        var isDir: ObjCBool = false
        var p = url
        // The first existing path on the way down must be a folder.
        while !FileManager.default.fileExists(atPath: p.path, isDirectory: &isDir) && p.path != "/" { p.deleteLastPathComponent() }
        guard isDir.boolValue else { throw RunStoreError.notAFolder(p.path) }
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        catch { throw RunStoreError.cannotCreate(url.path, AtomicFile.reason(error)) }
    }

    /// What is known about a run from its folder.
    public enum State: String, Codable, Sendable {
        case done, failed, running, notStarted = "not started"
        /// Stopped by a signal after writing a checkpoint (exit 75): resumable, not failed.
        case preempted
    }

    public struct Status: Codable, Sendable {
        public var state: State
        public var message: String?
        public var pid: Int32?
        public var host: String?
        public var updated: String
        /// Set when the run recorded its files' hashes as it finished (`results.sha256`): a
        /// done run with the flag and without a readable record is damaged, not unverified.
        public var hashesRecorded: Bool?
    }

    public func status(_ id: String) -> Status {
        let url = dir(id).appendingPathComponent("state.json")
        if let data = try? Data(contentsOf: url), var s = try? JSONDecoder().decode(Status.self, from: data) {
            if s.state == .running, !lockIsLive(id) { s.state = .failed; s.message = s.message ?? "the process ended without finishing (killed?)" }
            return s
        }
        return Status(state: .notStarted, message: nil, pid: nil, host: nil, updated: "", hashesRecorded: nil)
    }

    public func isDone(_ id: String) -> Bool { status(id).state == .done }

    /// Done, with the results a run of its mode leaves, as they were when it finished: a
    /// downstream run whose metrics.json or predictions.csv is missing, unreadable or differs
    /// from the hash recorded at its finish (an SSL run: its model.safetensors) is not
    /// complete, and running it again re-evaluates it from its final checkpoint.
    public func isComplete(_ id: String) -> Bool {
        guard isDone(id) else { return false }
        let ssl = config(id)?.mode == .ssl
        return (ssl || metrics(id) != nil) && damagedFiles(id, only: Self.keyFiles(ssl: ssl)).isEmpty
    }

    public func setStatus(_ id: String, _ state: State, message: String? = nil, hashesRecorded: Bool? = nil) throws {
        let s = Status(state: state, message: message, pid: getpid(), host: ProcessInfo.processInfo.hostName,
                       updated: ISO8601DateFormatter().string(from: Date()), hashesRecorded: hashesRecorded)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try Self.makeFolder(dir(id))
        try AtomicFile.write(try e.encode(s), to: dir(id).appendingPathComponent("state.json"))
    }

    /// Takes the run's lock: an exclusive `flock(2)` on `runs/<id>/lock`, held by an open
    /// descriptor until `unlock` or the process's death (the kernel releases it then, so no
    /// lock is ever stale). Host and pid are written into the file for messages only.
    ///
    /// - Returns: false when another live process holds it.
    public func lock(_ id: String) throws -> Bool {
        try Self.makeFolder(dir(id))
        let path = dir(id).appendingPathComponent("lock").path
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunStoreError.cannotLock(path, String(cString: strerror(errno))) }
        // A probe (lockIsLive's shared lock) can hold it for an instant: try a few times.
        var attempt = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            guard err == EWOULDBLOCK else {
                close(fd)
                throw RunStoreError.cannotLock(path, String(cString: strerror(err)) + " (does this filesystem support flock?)")
            }
            attempt += 1
            if attempt == 5 { close(fd); return false }
            usleep(20_000)
        }
        let text = "\(ProcessInfo.processInfo.hostName) \(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        HeldLocks.shared.set(path, fd)
        return true
    }

    /// Releases the lock this process holds on the run.
    public func unlock(_ id: String) {
        let path = dir(id).appendingPathComponent("lock").path
        if let fd = HeldLocks.shared.remove(path) { _ = ftruncate(fd, 0); flock(fd, LOCK_UN); close(fd) }
    }

    /// True while some process holds the run's lock (this one included).
    public func lockIsLive(_ id: String) -> Bool {
        let path = dir(id).appendingPathComponent("lock").path
        if HeldLocks.shared.holds(path) { return true }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { flock(fd, LOCK_UN); return false }
        return errno == EWOULDBLOCK
    }

    /// Who holds the run's lock, for messages ("host pid 123").
    public func lockHolder(_ id: String) -> String {
        let url = dir(id).appendingPathComponent("lock")
        let parts = ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: " ")
        return parts.count == 2 ? "\(parts[0]) pid \(parts[1].trimmingCharacters(in: .whitespacesAndNewlines))" : url.path
    }

    /// The spec entries (mode, fold, zoom, label fraction, seed, sweep point) that resolved to
    /// a run, written when it finishes. Named for what it holds: `labels.json` before, which
    /// read as class labels (still read).
    public static let specEntriesFile = "spec-entries.json"

    /// The spec entries of a finished run (empty when unknown).
    public func specEntries(_ id: String) -> [RunLabel] {
        for name in [Self.specEntriesFile, "labels.json"] {
            if let data = try? Data(contentsOf: dir(id).appendingPathComponent(name)),
               let entries = try? JSONDecoder().decode([RunLabel].self, from: data) { return entries }
        }
        return []
    }

    /// The run's test metrics, when it finished with any.
    public func metrics(_ id: String) -> ClassificationMetrics? {
        guard let data = try? Data(contentsOf: dir(id).appendingPathComponent("metrics.json")) else { return nil }
        return try? JSONDecoder().decode(ClassificationMetrics.self, from: data)
    }

    /// What the run's validation split said about the model it tested: from `metrics.json`,
    /// or for runs finished before it was recorded there, from `log.jsonl` (the same rule
    /// the trainer applies). Nil without a validation split.
    public func validation(_ id: String) -> ValidationRecord? {
        if let data = try? Data(contentsOf: dir(id).appendingPathComponent("metrics.json")), let r = ValidationRecord.inMetricsFile(data) {
            return r
        }
        guard let c = config(id) else { return nil }
        let log = TrainingLog(url: dir(id).appendingPathComponent("log.jsonl"), keepingThrough: Int.max)
        let testedBest = c.select == .best && FileManager.default.fileExists(atPath: dir(id).appendingPathComponent("best.safetensors").path)
        return ValidationRecord.tested(records: log.records, config: c, testedBest: testedBest)
    }

    public func config(_ id: String) -> RunConfig? {
        guard let data = try? Data(contentsOf: dir(id).appendingPathComponent("config.json")) else { return nil }
        return try? JSONDecoder().decode(RunConfig.self, from: data)
    }

    /// Appends an event to `events.jsonl` (one JSON object per line, with a timestamp): one
    /// `write` on a descriptor opened with O_APPEND, so two runners never tear a line.
    public func event(_ fields: [String: String]) {
        var f = fields
        f["time"] = ISO8601DateFormatter().string(from: Date())
        guard let data = try? JSONSerialization.data(withJSONObject: f, options: [.sortedKeys]) else { return }
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let fd = open(root.appendingPathComponent("events.jsonl").path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let line = data + Data("\n".utf8)
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}

/// The run locks this process holds: path → open descriptor carrying the `flock`.
final class HeldLocks: @unchecked Sendable {
    static let shared = HeldLocks()
    private var fds: [String: Int32] = [:]
    private let lock = NSLock()

    func set(_ path: String, _ fd: Int32) { lock.lock(); fds[path] = fd; lock.unlock() }
    func remove(_ path: String) -> Int32? { lock.lock(); defer { lock.unlock() }; return fds.removeValue(forKey: path) }
    func holds(_ path: String) -> Bool { lock.lock(); defer { lock.unlock() }; return fds[path] != nil }
}

/// Results-folder failures.
public enum RunStoreError: Error, CustomStringConvertible {
    case cannotLock(String, String)
    /// A file where the results folder or a run folder must be.
    case notAFolder(String)
    /// The folder could not be created (permission, full disk, read-only filesystem).
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case let .cannotLock(path, why): return "\(path): cannot open the run lock: \(why)"
        case let .notAFolder(path): return "\(path): expected a folder (of the results), found a file"
        case let .cannotCreate(path, why): return "\(path): cannot create the folder: \(why)"
        }
    }
}
