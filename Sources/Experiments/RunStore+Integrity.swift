import Foundation
import HistoData
import TensorKit

/// The hashes a run records when it finishes (`results.sha256`, in `sha256sum` format, so
/// `sha256sum -c results.sha256` in the run folder checks it too), and the check against
/// them: a result file edited, truncated or lost after the run finished is found, instead
/// of silently changing (or dropping out of) a table.
extension RunStore {
    /// The record's file name in the run folder.
    public static let resultHashesFile = "results.sha256"

    /// Files that are not results: the lock, the live state, the log of the process, the record.
    static let unhashed: Set<String> = ["lock", "state.json", "train.log", resultHashesFile]

    /// The files every table and downstream run reads, checked on every `isComplete`:
    /// cheap (the models are checked by `verify` only).
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

    /// The recorded hashes by file name; nil for a run finished before runs recorded them.
    public func recordedHashes(_ id: String) -> [String: String]? {
        guard let text = try? String(contentsOf: dir(id).appendingPathComponent(Self.resultHashesFile), encoding: .utf8) else { return nil }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            out[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0])
        }
        return out
    }

    /// The recorded files whose bytes differ from the record, or that are gone, with why
    /// (`metrics.json (changed)`, `model.safetensors (missing)`); empty when all match or
    /// nothing was recorded.
    ///
    /// - Parameter only: check these files of the record only (nil: every recorded file).
    public func damagedFiles(_ id: String, only: [String]? = nil) -> [String] {
        guard let record = recordedHashes(id) else { return [] }
        var out: [String] = []
        for name in (only ?? record.keys.sorted()) {
            guard let expected = record[name] else { continue }
            let url = dir(id).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { out.append("\(name) (missing)"); continue }
            if (try? SHA256.hex(fileAt: url)) != expected { out.append("\(name) (changed)") }
        }
        return out
    }
}
