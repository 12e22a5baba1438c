import Foundation
import TensorKit

/// One epoch's numbers, a line of `log.jsonl`.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// Numbered from 1, as in the progress lines, reports and file names.
    public var epoch: Int
    public var steps: Int
    public var lr: Double
    public var loss: Double
    /// SSL: the enabled parts of rot, con, rec (rotation, contrastive, reconstruction); fine-tuning: empty.
    public var lossParts: [String: Double]
    public var imagesPerSecond: Double
    public var seconds: Double
    /// Validation metrics when evaluated this epoch.
    public var validation: [String: Double]?
}

/// Appends epoch records to `log.jsonl`, rewriting the file atomically so a crash never
/// leaves half a line; on resume the records after the checkpoint's epoch are dropped.
public struct TrainingLog {
    public let url: URL
    public private(set) var records: [EpochRecord] = []
    /// False on data-parallel ranks other than 0: they keep the records, rank 0 writes them.
    public var writes = true

    /// - Parameter epoch: the last epoch the checkpoint holds (numbered from 1; 0: none).
    public init(url: URL, keepingThrough epoch: Int, writes: Bool = true) {
        self.url = url
        self.writes = writes
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            let d = JSONDecoder()
            records = text.split(separator: "\n").compactMap { try? d.decode(EpochRecord.self, from: Data($0.utf8)) }
                .filter { $0.epoch <= epoch }
        }
    }

    public mutating func append(_ r: EpochRecord) throws {
        records.append(r)
        guard writes else { return }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let text = try records.map { String(decoding: try e.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: url)
    }
}
