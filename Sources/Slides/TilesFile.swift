import Foundation

/// `tiles.csv` of a slide prediction, appended one batch at a time so a run can resume.
///
/// Crash safety: each batch is appended with one `write` and flushed with `fsync` before
/// the next starts. On reopening, a torn last line (no newline) and the rows of an
/// unfinished batch (fewer than `batch` rows after the last whole batch) are cut off, so the
/// file always holds whole batches, in tile order, and the rerun recomputes the rest with
/// the same batch boundaries: the finished file is byte-identical to an uninterrupted run.
public final class TilesFile {
    /// The CSV's path.
    public let url: URL
    /// The header line (no newline).
    public let header: String
    /// The rows already written (no newlines), in order.
    public private(set) var rows: [String]
    private let handle: FileHandle

    /// Opens `url` for appending, keeping the whole batches already there.
    ///
    /// - Throws: `TilesFileError.foreign` when the file holds another header or a row with
    ///   the wrong number of fields (not a file this run wrote).
    public init(url: URL, header: String, batch: Int) throws {
        (self.url, self.header) = (url, header)
        let fm = FileManager.default
        if !fm.fileExists(atPath: url.path) {
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard fm.createFile(atPath: url.path, contents: Data((header + "\n").utf8)) else {
                throw TilesFileError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
            }
        }
        let data = try Data(contentsOf: url)
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()   // after the last newline: "" or a torn line
        guard lines.first == header else {
            throw TilesFileError.foreign(path: url.path, reason: "its header is not \(header.prefix(60))…")
        }
        let fields = header.split(separator: ",", omittingEmptySubsequences: false).count
        var kept = Array(lines.dropFirst())
        if let bad = kept.firstIndex(where: { $0.split(separator: ",", omittingEmptySubsequences: false).count != fields }) {
            throw TilesFileError.foreign(path: url.path, reason: "row \(bad + 2) has not \(fields) fields")
        }
        kept.removeLast(kept.count % max(1, batch))
        let keepBytes = (([header] + kept).map { $0.utf8.count + 1 }).reduce(0, +)
        handle = try FileHandle(forUpdating: url)
        if keepBytes != data.count {
            try handle.truncate(atOffset: UInt64(keepBytes))
            try handle.synchronize()
        }
        try handle.seekToEnd()
        rows = kept
    }

    deinit { try? handle.close() }

    /// Appends `newRows` (one batch) and flushes them to disk.
    public func append(_ newRows: [String]) throws {
        guard !newRows.isEmpty else { return }
        do {
            try handle.write(contentsOf: Data((newRows.joined(separator: "\n") + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw TilesFileError.unwritable(path: url.path, reason: "\(error)")
        }
        rows += newRows
    }
}

/// Why `tiles.csv` cannot be used.
public enum TilesFileError: Error, CustomStringConvertible, Equatable {
    case foreign(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .foreign(p, r): return "\(p): not a tiles file of this run (\(r)); remove it or choose another --output"
        case let .unwritable(p, r): return "\(p): cannot write: \(r)"
        }
    }
}
