import Foundation
import SwiftProtobuf

typealias Event = Csit_Tensorboard_Event
typealias SessionLog = Csit_Tensorboard_SessionLog
typealias Summary = Csit_Tensorboard_Summary

/// Writes TensorBoard event files (`events.out.tfevents.<time>.<host>`): scalars per step,
/// so `tensorboard --logdir` shows a run's curves. Every call appends whole records and
/// flushes, so a killed run leaves a readable file; a resumed run starts a new file whose
/// first event is a session start at the resumed step, which makes TensorBoard drop the
/// points the interrupted run logged after it.
public final class EventWriter {
    public let url: URL
    let handle: FileHandle

    /// Opens a new event file in `directory` (created if needed).
    ///
    /// - Parameter startStep: the step training starts (or resumes) at.
    /// - Throws: when the folder or file cannot be created.
    public init(directory: URL, startStep: Int64 = 0) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let stamp = Int(Date().timeIntervalSince1970)
        var name = "events.out.tfevents.\(stamp).\(ProcessInfo.processInfo.hostName)"
        var n = 1
        while FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
            name = "events.out.tfevents.\(stamp).\(ProcessInfo.processInfo.hostName).\(n)"
            n += 1
        }
        url = directory.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        var version = Event()
        version.wallTime = Date().timeIntervalSince1970
        version.fileVersion = "brain.Event:2"
        var start = Event()
        start.wallTime = version.wallTime
        start.step = startStep
        start.sessionLog = SessionLog.with { $0.status = .start }
        try write([version, start])
    }

    deinit { try? handle.close() }

    /// Appends one event holding `scalars` (tag → value) at `step`.
    public func scalars(_ scalars: [String: Double], step: Int64) throws {
        guard !scalars.isEmpty else { return }
        var e = Event()
        e.wallTime = Date().timeIntervalSince1970
        e.step = step
        e.summary = Summary.with { s in
            s.value = scalars.sorted { $0.key < $1.key }.map { tag, v in Summary.Value.with { $0.tag = tag; $0.simpleValue = Float(v) } }
        }
        try write([e])
    }

    func write(_ events: [Event]) throws {
        var bytes: [UInt8] = []
        for e in events { bytes += TFRecord.frame(Array(try e.serializedData())) }
        try handle.write(contentsOf: Data(bytes))
    }
}

/// The scalars of TensorBoard event files, read back (for tests and `csit`'s own checks).
public enum EventReader {
    /// One scalar point.
    public struct Point: Equatable, Sendable {
        public var tag: String
        public var step: Int64
        public var value: Float
    }

    /// Every scalar in the event files under `directory`, in file-name then record order,
    /// with the points a later session start (a resume) superseded left out, as TensorBoard
    /// does.
    ///
    /// - Throws: `TFRecordError` for a badly framed file, or a decoding error.
    public static func scalars(in directory: URL) throws -> [Point] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
        var points: [Point] = []
        for f in files {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(f)))
            for record in try TFRecord.records(bytes) {
                let e = try Event(serializedBytes: record)
                if case .sessionLog(let s)? = e.what, s.status == .start {
                    points.removeAll { $0.step >= e.step }
                }
                if case .summary(let s)? = e.what {
                    for v in s.value { points.append(Point(tag: v.tag, step: e.step, value: v.simpleValue)) }
                }
            }
        }
        return points
    }
}
