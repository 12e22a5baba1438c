import Foundation

/// Errors reading or writing a safetensors file; each names the file.
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    /// Writing failed (full disk, no permission, a folder in the way).
    case unwritable(path: String, reason: String)
    case truncated(path: String, expected: Int, actual: Int)
    case badHeader(path: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case badOffsets(path: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "\(p): cannot read safetensors file: \(r)"
        case let .unwritable(p, r): return "\(p): cannot write the file: \(r)"
        case let .truncated(p, e, a): return "\(p): truncated safetensors file: needs \(e) bytes, has \(a)"
        case let .badHeader(p, r): return "\(p): invalid safetensors header: \(r)"
        case let .unsupportedDType(p, t, d):
            return "\(p): tensor '\(t)' has dtype \(d); expected one of F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL"
        case let .badOffsets(p, t, r): return "\(p): tensor '\(t)': \(r)"
        }
    }
}

/// The safetensors format: 8-byte little-endian header length, a JSON header mapping
/// names to `dtype`/`shape`/`data_offsets`, then raw little-endian data.
public enum SafeTensors {
    /// Reads every tensor (F32 natively; F16, BF16, F64 and integer/bool dtypes converted
    /// to F32 — integers as their values, for label and index tensors).
    ///
    /// - Parameter url: the file.
    /// - Returns: tensors by name and the `__metadata__` strings.
    /// - Throws: `SafeTensorsError` naming the file and what is wrong.
    public static func read(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let path = url.path
        let bytes: Data
        do { bytes = try Data(contentsOf: url, options: .alwaysMapped) }
        catch { throw SafeTensorsError.unreadable(path: path, reason: AtomicFile.reason(error)) }
        guard bytes.count >= 8 else { throw SafeTensorsError.truncated(path: path, expected: 8, actual: bytes.count) }
        var headerLen: UInt64 = 0
        for i in 0..<8 { headerLen |= UInt64(bytes[bytes.startIndex + i]) << (8 * UInt64(i)) }
        guard headerLen <= UInt64(bytes.count - 8) else {
            // A plausible length means a cut file; an absurd one (2⁶³) a damaged length field.
            if headerLen < 1 << 40 { throw SafeTensorsError.truncated(path: path, expected: 8 + Int(headerLen), actual: bytes.count) }
            throw SafeTensorsError.badHeader(path: path, reason: "its length field says \(headerLen) bytes, but the file has \(bytes.count - 8) after it")
        }
        let dataStart = 8 + Int(headerLen)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<dataStart)) }
        catch { throw SafeTensorsError.badHeader(path: path, reason: "not JSON (\(error.localizedDescription))") }
        guard let header = json as? [String: Any] else {
            throw SafeTensorsError.badHeader(path: path, reason: "top level is not an object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        let dataCount = bytes.count - dataStart
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else {
                    throw SafeTensorsError.badHeader(path: path, reason: "__metadata__ must map strings to strings")
                }
                metadata = m
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [NSNumber])?.map(\.intValue),
                  let offs = (entry["data_offsets"] as? [NSNumber])?.map(\.intValue), offs.count == 2 else {
                throw SafeTensorsError.badHeader(path: path, reason: "entry '\(name)' needs dtype, shape and data_offsets")
            }
            let width: Int
            switch dtype {
            case "F32", "I32": width = 4
            case "F16", "BF16", "I16": width = 2
            case "F64", "I64": width = 8
            case "U8", "I8", "BOOL": width = 1
            default: throw SafeTensorsError.unsupportedDType(path: path, tensor: name, dtype: dtype)
            }
            let n = shape.reduce(1, *)
            guard shape.allSatisfy({ $0 >= 0 }), offs[0] >= 0, offs[1] >= offs[0], offs[1] <= dataCount else {
                throw SafeTensorsError.badOffsets(path: path, tensor: name,
                                                  reason: "offsets \(offs) outside the \(dataCount)-byte data section")
            }
            guard offs[1] - offs[0] == n * width else {
                throw SafeTensorsError.badOffsets(path: path, tensor: name,
                                                  reason: "\(offs[1] - offs[0]) bytes for shape \(shape) of \(dtype)")
            }
            let t = Tensor(uninitializedShape: shape)
            bytes.withUnsafeBytes { raw in
                let src = raw.baseAddress! + dataStart + offs[0]
                let dst = t.data
                switch dtype {
                case "F32": for i in 0..<n { dst[i] = Float(bitPattern: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
                case "F64": for i in 0..<n { dst[i] = Float(Double(bitPattern: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)) }
                case "BF16": for i in 0..<n { dst[i] = Float(bitPattern: UInt32(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16) }
                case "I64": for i in 0..<n { dst[i] = Float(Int64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
                case "I32": for i in 0..<n { dst[i] = Float(Int32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
                case "I16": for i in 0..<n { dst[i] = Float(Int16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
                case "I8": for i in 0..<n { dst[i] = Float(src.load(fromByteOffset: i, as: Int8.self)) }
                case "U8", "BOOL": for i in 0..<n { dst[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) }
                default: for i in 0..<n { dst[i] = halfToFloat(src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
                }
            }
            tensors[name] = t
        }
        return (tensors, metadata)
    }

    /// Writes F32 tensors (names sorted) atomically: a temporary file renamed into place.
    ///
    /// - Throws: `SafeTensorsError.unwritable` when the file cannot be written.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let names = tensors.keys.sorted()
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
            offset += 4 * t.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        while (json.count % 8) != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        var len = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &len) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            let t = tensors[name]!
            out.append(UnsafeBufferPointer(start: t.data, count: t.count))
        }
        try AtomicFile.write(out, to: url)
    }

    /// IEEE half → float, including subnormals, infinities and NaN.
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int(h >> 10) & 0x1F
        let man = UInt32(h & 0x3FF)
        if exp == 0 {
            if man == 0 { return Float(bitPattern: sign) }
            let v = Float(man) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (man << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (man << 13))
    }
}

/// Whole-file writes that are never seen half done.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `url`, flushes it, then renames it over `url`.
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // pid and host in the name: only this host can tell whether the writer is still alive.
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())@\(hostTag)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
                throw SafeTensorsError.unwritable(path: url.path, reason: "cannot create \(tmp.path): \(String(cString: strerror(errno)))")
            }
            let handle = try FileHandle(forWritingTo: tmp)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            if rename(tmp.path, url.path) != 0 {
                throw SafeTensorsError.unwritable(path: url.path, reason: String(cString: strerror(errno)))
            }
        } catch let e as SafeTensorsError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw SafeTensorsError.unwritable(path: url.path, reason: Self.reason(error))
        }
    }

    /// A one-line reason for a Foundation error (its POSIX cause when there is one).
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    /// This host's name as it appears in temporary file names (no '-' or '/').
    public static let hostTag: String = ProcessInfo.processInfo.hostName.map { $0 == "-" || $0 == "/" ? "_" : $0 }.reduce("") { $0 + String($1) }

    /// Removes the temporary files of writers on this host that died mid-write (SIGKILL):
    /// `.NAME.tmp-PID@HOST-…` in `dir` whose process no longer exists. Files of other hosts
    /// (a cluster's compute nodes on a shared filesystem) are never touched.
    ///
    /// - Parameter locked: the caller holds the lock of the folder, so no other process of
    ///   this host writes there: every other pid's file is stale, even when a new process has
    ///   since been given the pid (pids wrap at 32,768 on many Linux hosts, and a reused pid
    ///   kept a killed writer's file forever).
    /// - Returns: the number of files removed.
    @discardableResult
    public static func removeStale(in dir: URL, locked: Bool = false) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(".") {
            guard let r = name.range(of: ".tmp-") else { continue }
            let rest = name[r.upperBound...]
            let pidText = rest.prefix { $0.isNumber }
            guard rest.dropFirst(pidText.count).hasPrefix("@\(hostTag)-") else { continue }
            guard let pid = Int32(pidText), pid != getpid(), locked || (kill(pid, 0) != 0 && errno == ESRCH) else { continue }
            if (try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }
}
