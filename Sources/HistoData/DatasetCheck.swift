import Dispatch
import Foundation

/// What can be known about a dataset before training reads it: image counts per class (and
/// per magnification), every file that does not decode, a labeled dataset with fewer than
/// two classes, and counts that differ from the public dataset the folder is.
///
/// `init(listing:)` only counts (a folder walk, what `csit plan` does for every spec);
/// `decoding(_:threads:progress:)` also decodes every image with `ImageDecoder.decode`, the
/// call training makes, in parallel. The report does not depend on the thread count: every
/// image is decoded once whichever thread takes it, and bad files are sorted by path.
public struct DatasetCheck: Sendable {
    /// A file that does not decode, and the decoder's reason.
    public struct BadFile: Codable, Equatable, Sendable {
        /// The file, as the dataset root was given plus its path below the root.
        public var path: String
        /// What is wrong (empty, truncated, not an image, too large), without the path.
        public var reason: String

        public init(path: String, reason: String) { (self.path, self.reason) = (path, reason) }
    }

    /// The dataset as training lists it.
    public let dataset: Dataset
    /// Every file that failed to decode, sorted by path; empty after a listing only.
    public private(set) var badFiles: [BadFile] = []
    /// Whether every image was decoded (false: listing only).
    public private(set) var decoded = false

    /// Counts only; nothing is decoded.
    public init(listing dataset: Dataset) { self.dataset = dataset }

    /// Decodes every image of `dataset` on `threads` threads.
    ///
    /// - Parameters:
    ///   - progress: called with (images done, total) after each image, one call at a time
    ///     (from the decoding threads, so keep it short).
    public static func decoding(_ dataset: Dataset, threads: Int,
                                progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) -> DatasetCheck {
        var check = DatasetCheck(listing: dataset)
        let samples = dataset.samples, total = samples.count
        let state = SharedState()
        // Workers take the next few images as they finish, so a run of large files does not
        // hold one thread back while the others wait.
        DispatchQueue.concurrentPerform(iterations: Swift.max(1, Swift.min(threads, total))) { _ in
            var bad: [BadFile] = []
            while let range = state.next(8, of: total) {
                for i in range {
                    if let reason = Self.problem(reading: samples[i], of: dataset) {
                        bad.append(BadFile(path: dataset.displayPath(samples[i]), reason: reason))
                    }
                    state.finished(total: total, progress: progress)
                }
            }
            state.add(bad)
        }
        // Entries listing skipped (a link to nothing, a name that is not UTF-8) are bad files too.
        let skipped = ((try? ImageFiles.unreadable(under: dataset.root)) ?? []).map {
            BadFile(path: (dataset.displayRoot as NSString).appendingPathComponent(ImageFiles.relativePath(URL(fileURLWithPath: $0.path), to: dataset.root)),
                    reason: $0.reason)
        }
        check.badFiles = (state.bad + skipped).sorted { $0.path < $1.path }
        check.decoded = true
        return check
    }

    /// Why the file at `url` does not decode, or nil when it does.
    static func problem(decoding url: URL) -> String? {
        do {
            _ = try ImageDecoder.decode(url)
            return nil
        } catch let e as ImageError {
            return e.reason
        } catch {
            return "\(error)"
        }
    }

    /// Why a sample does not read (its file, or its tile through the dataset's reader), or nil.
    static func problem(reading s: Sample, of dataset: Dataset) -> String? {
        guard let reader = dataset.reader else { return problem(decoding: dataset.url(of: s)) }
        do {
            _ = try reader.image(of: s)
            return nil
        } catch let e as ImageError {
            return e.reason
        } catch {
            return "\(error)"
        }
    }

    /// Images per class, in class order (every class of the layout, empty ones included).
    public var classCounts: [(name: String, images: Int)] { Array(zip(dataset.classes, dataset.classCounts)) }

    /// Images per magnification (BreakHis), in the usual order; empty for other layouts.
    public var magnificationCounts: [(name: String, images: Int)] {
        BreakHis.magnifications.map { z in (z, dataset.samples.filter { $0.zoom == z }.count) }.filter { $0.1 > 0 }
    }

    /// Why the dataset cannot be trained on as a labeled dataset: fewer than two classes hold
    /// images, or a class folder holds none (the model would get a head for a class it never
    /// sees, and stratified folds would fail on it). Empty for unlabeled data.
    public var problems: [String] {
        guard dataset.kind != .unlabeled, !dataset.classes.isEmpty else { return [] }
        let held = classCounts.filter { $0.images > 0 }
        guard held.count >= 2 else {
            let found = held.first.map { "only one class (\($0.name), \($0.images) image\($0.images == 1 ? "" : "s"))" } ?? "no class holds images"
            return ["\(dataset.displayRoot): \(found); a labeled dataset needs images of at least two classes"]
        }
        guard dataset.kind == .imageFolder else { return [] }
        return classCounts.filter { $0.images == 0 }.map {
            "\(dataset.displayRoot): class folder \($0.name) holds no images (a class the model would never see: remove the folder)"
        }
    }

    /// What is probably wrong but does not stop training: counts that differ from the public
    /// dataset the folder is (a partial download or extraction).
    public var warnings: [String] {
        KnownDataset.matching(dataset).flatMap { $0.mismatch(dataset) }.map { [$0] } ?? []
    }

    /// True when every listed image decoded (or was not decoded) and the classes are usable.
    public var isClean: Bool { badFiles.isEmpty && problems.isEmpty }

    /// One line: layout, root, image count and images per class (and per magnification).
    public var summary: String {
        var s = "\(dataset.kind.rawValue) \(dataset.displayRoot): \(Self.grouped(dataset.samples.count)) images"
        if !dataset.classes.isEmpty {
            s += " in \(dataset.classes.count) classes ("
                + classCounts.map { "\($0.name) \(Self.grouped($0.images))" }.joined(separator: ", ") + ")"
        }
        let zooms = magnificationCounts
        if !zooms.isEmpty { s += "; " + zooms.map { "\($0.name) \(Self.grouped($0.images))" }.joined(separator: ", ") }
        return s
    }

    /// The plain-text report `csit data check` prints.
    public func report() -> String {
        var out = "\(dataset.kind.rawValue) at \(dataset.displayRoot): \(Self.grouped(dataset.samples.count)) images"
        out += dataset.classes.isEmpty ? "\n" : ", \(dataset.classes.count) classes\n"
        if decoded {
            out += badFiles.isEmpty ? "every image decodes\n"
                : "\(badFiles.count) of \(Self.grouped(dataset.samples.count)) images do not decode\n"
        }
        func table(_ title: String, _ rows: [(name: String, images: Int)]) {
            guard !rows.isEmpty else { return }
            let width = Swift.max(title.count, rows.map(\.name.count).max() ?? 0) + 2
            out += "\n" + title.padding(toLength: width, withPad: " ", startingAt: 0) + "images\n"
            for r in rows { out += r.name.padding(toLength: width, withPad: " ", startingAt: 0) + Self.grouped(r.images) + "\n" }
        }
        table("class", classCounts)
        table("magnification", magnificationCounts)
        if !badFiles.isEmpty {
            out += "\nbad files:\n" + badFiles.map { "\($0.path): \($0.reason)\n" }.joined()
        }
        let notes = warnings.map { "warning: \($0)\n" } + problems.map { "error: \($0)\n" }
        if !notes.isEmpty { out += "\n" + notes.joined() }
        return out
    }

    /// The report as JSON (keys sorted, so the same data gives the same bytes).
    public func json() -> String {
        struct Count: Encodable { var name: String; var images: Int }
        struct Report: Encodable {
            var dataset: String, root: String, images: Int, decoded: Bool, clean: Bool
            var classes: [Count], magnifications: [Count], badFiles: [BadFile], warnings: [String], errors: [String]
        }
        let r = Report(dataset: dataset.kind.rawValue, root: dataset.displayRoot, images: dataset.samples.count, decoded: decoded,
                       clean: isClean, classes: classCounts.map { Count(name: $0.name, images: $0.images) },
                       magnifications: magnificationCounts.map { Count(name: $0.name, images: $0.images) },
                       badFiles: badFiles, warnings: warnings, errors: problems)
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: (try? e.encode(r)) ?? Data(), as: UTF8.self) + "\n"
    }

    /// `12345` as `12,345`.
    static func grouped(_ n: Int) -> String {
        var digits = Array(String(n.magnitude)), out = ""
        while digits.count > 3 {
            out = "," + String(digits.suffix(3)) + out
            digits.removeLast(3)
        }
        return (n < 0 ? "-" : "") + String(digits) + out
    }

    /// The work counter and results the decoding threads share.
    private final class SharedState: @unchecked Sendable {
        private let lock = NSLock()
        private var taken = 0, done = 0
        private(set) var bad: [BadFile] = []

        /// The next `n` unclaimed indices below `total`, nil when none are left.
        func next(_ n: Int, of total: Int) -> Range<Int>? {
            lock.lock(); defer { lock.unlock() }
            guard taken < total else { return nil }
            let r = taken..<Swift.min(total, taken + n)
            taken = r.upperBound
            return r
        }

        func finished(total: Int, progress: (@Sendable (Int, Int) -> Void)?) {
            lock.lock(); defer { lock.unlock() }
            done += 1
            progress?(done, total)
        }

        func add(_ files: [BadFile]) {
            lock.lock(); defer { lock.unlock() }
            bad += files
        }
    }
}

extension Dataset {
    /// The root as it was given (relative paths stay relative), for messages.
    public var displayRoot: String { root.relativePath }

    /// A sample's file under `displayRoot`.
    func displayPath(_ s: Sample) -> String { (displayRoot as NSString).appendingPathComponent(s.path) }
}
