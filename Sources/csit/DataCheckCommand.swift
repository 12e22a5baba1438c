import ArgumentParser
import Foundation
import HistoData
import Slides
import TensorKit
import Training

/// The exit status of `csit data check` and `csit plan --check-images` when an image does
/// not decode or a labeled dataset has fewer than two classes (1 is any other failure, 64 a
/// command-line or layout error).
let dataProblemStatus: Int32 = 4

extension DataCommand {
    /// `csit data check ROOT`: decode every image before anything trains on it.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode every image of a dataset in parallel; print counts and every file that does not decode.",
            discussion: """
            Lists the dataset as training would, decodes every image and reports the counts per class (and per \
            magnification for BreakHis), every bad file with the reason, and the published counts of NCT-CRC-HE-100K, \
            CRC-VAL-HE-7K and BreakHis when the folder is one of them. Exit status 0 when clean, \
            \(dataProblemStatus) when a file does not decode or a labeled dataset has fewer than two classes.

            Examples:
              csit data check $DATA/NCT-CRC-HE-100K --dataset nct
              csit data check $DATA/BreaKHis_v1 --dataset breakhis --threads 8 --format json
            """)

        @Argument(help: "Dataset root folder.")
        var root: String

        @Option(help: "Layout: \(DatasetKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var dataset: DatasetKind = .imageFolder

        @Option(help: "BreakHis task: binary or 8-class.")
        var task: BreakHisTask = .binary

        @OptionGroup var engine: EngineOptions

        @Option(help: "Report format: text or json.")
        var format: ReportFormat = .text

        enum ReportFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

        func run() throws {
            engine.apply()
            let listed: Dataset
            do { listed = try Dataset.load(dataset, root: URL(fileURLWithPath: root), task: task, tiling: SlideTiling()) }
            catch let e as DatasetError { throw ValidationError(e.description) }
            catch let e as SlideDatasetError { throw ValidationError(e.description) }
            catch let e as SlideError { throw ValidationError(e.description) }
            let check = DecodeProgress.check(listed)
            print(format == .json ? check.json() : check.report(), terminator: "")
            if !check.isClean { throw ExitCode(dataProblemStatus) }
        }
    }
}

/// Decodes a dataset with `DatasetCheck` on the configured threads, with a progress line on
/// stderr for sets large enough to take a while (in place on a terminal, every 10 s otherwise).
final class DecodeProgress: @unchecked Sendable {
    /// Sets smaller than this decode in about a second and print nothing.
    static let threshold = 2_000

    private let label: String
    private let start = Date()
    /// The last line's time: the first comes one interval in, once the rate means something.
    private var last = Date()
    private let interactive = isatty(FileHandle.standardError.fileDescriptor) != 0

    private init(label: String) { self.label = label }

    /// `DatasetCheck.decoding` of `dataset` on `Parallel.threadCount` threads.
    static func check(_ dataset: Dataset) -> DatasetCheck {
        let total = dataset.samples.count
        guard total >= threshold else { return DatasetCheck.decoding(dataset, threads: Parallel.threadCount) }
        let p = DecodeProgress(label: dataset.displayRoot)
        let check = DatasetCheck.decoding(dataset, threads: Parallel.threadCount) { done, total in p.update(done, total) }
        let seconds = Date().timeIntervalSince(p.start)
        p.write("\(p.label): decoded \(total) images in \(String(format: "%.1f", seconds)) s "
                + "(\(Int(Double(total) / max(seconds, 1e-9))) images/s, \(Parallel.threadCount) threads)", final: true)
        return check
    }

    /// Called under `DatasetCheck`'s lock, once per image.
    private func update(_ done: Int, _ total: Int) {
        let now = Date()
        guard now.timeIntervalSince(last) >= (interactive ? 0.25 : 10) else { return }
        last = now
        let rate = Double(done) / max(now.timeIntervalSince(start), 1e-9)
        let eta = Double(total - done) / max(rate, 1e-9)
        write("\(label): decoded \(done)/\(total) images  \(Int(rate)) images/s  ETA \(ProgressReporter.duration(eta))", final: false)
    }

    private func write(_ line: String, final: Bool) {
        let text = interactive ? "\r\u{1B}[K" + line + (final ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
