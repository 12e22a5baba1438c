internal import Crypto
import Foundation

/// SHA-256 (FIPS 180-4) of bytes, for manifest and run identities and result-file hashes:
/// swift-crypto's implementation (BoringSSL on Linux) behind the incremental interface the
/// rest of csit uses.
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        hasher.update(data: Array(bytes))
    }

    public mutating func update(_ data: Data) { hasher.update(data: data) }

    public mutating func update(_ string: String) { hasher.update(data: Data(string.utf8)) }

    /// The digest as 64 lowercase hex digits (the hasher is finished: do not update it after).
    public mutating func hexDigest() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a string's UTF-8 bytes.
    public static func hex(_ string: String) -> String { var s = SHA256(); s.update(string); return s.hexDigest() }

    /// SHA-256 of a file's bytes, read in 1 MiB chunks.
    ///
    /// - Throws: the read error of a file that cannot be opened or read.
    public static func hex(fileAt url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var s = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { s.update(chunk) }
        return s.hexDigest()
    }
}
