import Foundation
import HistoData
import TensorKit
import Training

/// The hashes a run records when it finishes (`results.sha256`, in `sha256sum` format, so
/// `sha256sum -c results.sha256` in the run folder checks it too), and the check against
/// them: a result file edited, truncated or lost after the run finished is found, instead
/// of silently changing (or dropping out of) a table.
extension RunStore {
    /// The record's file name in the run folder.
    public static let resultHashesFile = "results.sha256"

    /// Files that are not results: the lock, the live state and progress, the log of the process, the record.
    static let unhashed: Set<String> = ["lock", "state.json", "train.log", RunProgress.fileName, resultHashesFile]

    /// The files every table and downstream run reads, checked on every `isComplete` (an SSL
    /// run's model is what its downstream runs load; a downstream run's models are checked
    /// by `verify` only, which `csit run` does not repair).
    public static func keyFiles(ssl: Bool) -> [String] { ssl ? ["model.safetensors"] : ["metrics.json", "predictions.csv"] }

    /// Hashes every regular file of the finished run's folder (not the lock, state or log)
    /// into `results.sha256`, atomically.
    ///
    /// - Throws: when a file cannot be read or the record cannot be written.
    public func recordResultHashes(_ id: String) throws {
        let folder = dir(id)
        var lines: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where !Self.unhashed.contains(name) && !name.hasPrefix(".") && !name.contains(".tmp") {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isDir), !isDir.boolValue else { continue }
            lines.append("\(try SHA256.hex(fileAt: folder.appendingPathComponent(name)))  \(name)")
        }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent(Self.resultHashesFile))
    }

    /// The recorded hashes by file name; nil when the run finished before runs recorded
    /// them, and an empty record when it should have one and the record is gone or damaged
    /// (a line that is not `<64 hex digits>  <name>`), so that nothing checks as intact.
    public func recordedHashes(_ id: String) -> [String: String]? {
        let url = dir(id).appendingPathComponent(Self.resultHashesFile)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            return status(id).hashesRecorded == true ? [:] : nil
        }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64, parts[0].allSatisfy(\.isHexDigit) else { return [:] }
            out[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0])
        }
        return out
    }

    /// The recorded files whose bytes differ from the record, or that are gone, with why
    /// (`metrics.json (changed)`, `model.safetensors (missing)`, `metrics.json (not recorded)`
    /// when the record lacks a file it must hold); empty when all match or the run finished
    /// before runs recorded hashes.
    ///
    /// - Parameter only: check these files (nil: every recorded file).
    public func damagedFiles(_ id: String, only: [String]? = nil) -> [String] {
        guard let record = recordedHashes(id) else { return [] }
        guard !record.isEmpty else { return ["\(Self.resultHashesFile) (missing or damaged)"] }
        var out: [String] = []
        for name in (only ?? record.keys.sorted()) {
            let url = dir(id).appendingPathComponent(name)
            let exists = FileManager.default.fileExists(atPath: url.path)
            guard let expected = record[name] else {
                if exists { out.append("\(name) (not recorded)") }
                continue
            }
            guard exists else { out.append("\(name) (missing)"); continue }
            if (try? SHA256.hex(fileAt: url)) != expected { out.append("\(name) (changed)") }
        }
        return out
    }

    /// What `csit status` and `csit table` say about a done run's damaged files, and what
    /// `csit run` will do about them; nil when nothing is damaged.
    ///
    /// - Parameter verify: every recorded file, models included (else the key files).
    public func damageDescription(_ id: String, ssl: Bool, verify: Bool = false) -> String? {
        let keyFiles = Self.keyFiles(ssl: ssl)
        let key = damagedFiles(id, only: keyFiles)
        // The other recorded files only: the key files are hashed once.
        let others = verify ? (recordedHashes(id)?.keys.filter { !keyFiles.contains($0) }.sorted() ?? []) : []
        let other = others.isEmpty ? [] : damagedFiles(id, only: others)
        if key.isEmpty && other.isEmpty {
            return ssl || metrics(id) != nil ? nil : "metrics.json missing or unreadable; csit run re-evaluates it from its last checkpoint"
        }
        var parts: [String] = []
        if !key.isEmpty { parts.append(key.joined(separator: ", ") + " since it finished; csit run re-evaluates it from its last checkpoint") }
        if !other.isEmpty {
            parts.append(other.joined(separator: ", ") + " since it finished; csit run does not repair these (delete the run folder to run it again)")
        }
        return parts.joined(separator: "; ")
    }
}
