import Foundation

/// TFRecord framing: each record is `uint64 length`, `uint32 masked CRC-32C of the length`,
/// the bytes, `uint32 masked CRC-32C of the bytes`, all little-endian.
public enum TFRecord {
    /// One framed record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        out += length
        out += withUnsafeBytes(of: CRC32C.masked(length).littleEndian, Array.init)
        out += data
        out += withUnsafeBytes(of: CRC32C.masked(data).littleEndian, Array.init)
        return out
    }

    /// The records of `bytes`.
    ///
    /// - Throws: `TFRecordError` at the first record whose length or data does not match
    ///   its checksum, or that the file cuts short.
    public static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        while i < bytes.count {
            guard i + 12 <= bytes.count else { throw TFRecordError(offset: i, reason: "a record header cut short") }
            let lengthBytes = Array(bytes[i..<(i + 8)])
            let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(lengthBytes[$1]) << (8 * UInt64($1)) }
            guard u32(i + 8) == CRC32C.masked(lengthBytes) else { throw TFRecordError(offset: i, reason: "length checksum mismatch") }
            let start = i + 12
            guard length <= UInt64(bytes.count - start), start + Int(length) + 4 <= bytes.count else {
                throw TFRecordError(offset: i, reason: "a record of \(length) bytes cut short")
            }
            let data = Array(bytes[start..<(start + Int(length))])
            guard u32(start + Int(length)) == CRC32C.masked(data) else { throw TFRecordError(offset: i, reason: "data checksum mismatch") }
            out.append(data)
            i = start + Int(length) + 4
        }
        return out
    }
}

/// A TFRecord file that is not well framed.
public struct TFRecordError: Error, CustomStringConvertible, Equatable {
    public var offset: Int
    public var reason: String
    public var description: String { "TFRecord at byte \(offset): \(reason)" }
}
