import Foundation
import HistoData

/// The version of everything that changes numbers: part of every run's identity, bumped
/// when a change makes earlier results incomparable.
public enum ComputeVersion { public static let string = "csit-compute-3" }

/// The one definition of what a run is: the planner names runs with it, the trainer writes
/// it into every checkpoint and compares it on resume.
public enum RunIdentity {
    /// The run id: 16 hex digits of SHA-256 over the canonical JSON of the identity settings,
    /// the content hash of the run's data and the compute version.
    ///
    /// An init checkpoint given as a file counts by its content, not its path, so a moved or
    /// remounted results folder keeps its ids; `ssl-run:<id>` counts as written.
    /// - Parameters:
    ///   - dataSHA256: `RunData.contentHash` of the run's split (the image listing for SSL).
    /// - Throws: when the configuration cannot be encoded or the checkpoint read.
    public static func id(_ config: RunConfig, dataSHA256: String) throws -> String {
        var c = config
        if let ck = c.initCheckpoint { c.initCheckpoint = try checkpointReference(ck) }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let json = String(decoding: try e.encode(c), as: UTF8.self)
        return String(SHA256.hex(json + "|" + dataSHA256 + "|" + ComputeVersion.string).prefix(16))
    }

    /// How an init checkpoint enters the identity: planned SSL runs by id, files by content.
    static func checkpointReference(_ ck: String) throws -> String {
        if ck.hasPrefix(plannedPrefix) { return ck }
        let file = checkpointFile(ck)
        guard FileManager.default.fileExists(atPath: file) else { return ck }
        return "sha256:" + (try fileSHA256(file))
    }

    /// The checkpoint file a path names: the path, or a run folder's `model.safetensors`.
    public static func checkpointFile(_ path: String) -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { return path }
        return URL(fileURLWithPath: path).appendingPathComponent("model.safetensors").path
    }

    /// The prefix of an init checkpoint that names a planned SSL run.
    public static let plannedPrefix = "ssl-run:"

    /// SHA-256 of a file's bytes, read in 1 MiB pieces.
    public static func fileSHA256(_ path: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw RunConfigError.invalid(key: "init_checkpoint", value: path, expected: "a readable checkpoint file")
        }
        defer { try? h.close() }
        var sha = SHA256()
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { sha.update(chunk) }
        return sha.hexDigest()
    }
}
