import ArgumentParser
import Foundation
import HistoData
import Slides

extension DatasetKind: ExpressibleByArgument {}
extension BreakHisTask: ExpressibleByArgument {}

/// `csit data …`: datasets, splits and the bundled sample set.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Describe and check datasets, write split manifests, build the bundled sample set.",
        subcommands: [Describe.self, Check.self, Split.self, Sample.self])

    struct DatasetOptions: ParsableArguments {
        @Option(help: "Layout: \(DatasetKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var dataset: DatasetKind

        @Option(help: "Dataset root folder.")
        var data: String?

        @Option(name: .customLong("root"), help: .hidden)
        var rootAlias: String?

        var root: String { data ?? rootAlias ?? "" }

        func validate() throws {
            guard (data == nil) != (rootAlias == nil) else { throw ValidationError("give the dataset root folder with --data FOLDER") }
        }

        @Option(help: "BreakHis task: binary or 8-class.")
        var task: BreakHisTask = .binary

        func load() throws -> Dataset {
            // Slides at the default tiling (mpp 0.5, tile 224, tissue_threshold 0.5).
            do { return try Dataset.load(dataset, root: URL(fileURLWithPath: root), task: task, tiling: SlideTiling()) }
            catch let e as DatasetError { throw ValidationError(e.description) }
            catch let e as SlideDatasetError { throw ValidationError(e.description) }
            catch let e as SlideError { throw ValidationError(e.description) }
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print image counts per class (and per patient and zoom for BreakHis).",
            discussion: "Example:\n  csit data describe --dataset breakhis --data BreaKHis_v1")
        @OptionGroup var data: DatasetOptions
        func run() throws { print(try data.load().describe(), terminator: "") }
    }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a split manifest (path,label,group,zoom,fold,split) and its SHA-256.",
            discussion: "Example:\n  csit data split --dataset breakhis --data BreaKHis_v1 --folds 5 --group-by patient --output folds.csv")
        @OptionGroup var data: DatasetOptions

        @Option(help: "Cross-validation folds (omit for no CV).")
        var folds: Int?

        @Option(help: "Group folds by: image (default) or patient.")
        var groupBy: String = "image"

        @Option(help: "Keep one magnification (40X, 100X, 200X, 400X) after drawing patient folds over all.")
        var zoom: String?

        @Option(help: "A stratified hold-out test fraction instead of (or besides) CV folds.")
        var testFraction: Double?

        @Option(help: "Seed of the split.")
        var seed: UInt64 = 0

        @Option(help: "Manifest CSV to write.")
        var output: String

        func validate() throws {
            guard ["image", "patient"].contains(groupBy) else { throw ValidationError("--group-by must be image or patient, not '\(groupBy)'") }
            if let folds, folds < 2 { throw ValidationError("--folds must be at least 2") }
            if let f = testFraction, !(f > 0 && f < 1) { throw ValidationError("--test-fraction must be between 0 and 1") }
        }

        func run() throws {
            let m: Manifest
            do {
                m = try Manifest.make(try data.load(), folds: folds, groupByPatient: groupBy == "patient", zoom: zoom,
                                      testFraction: testFraction, seed: seed)
            } catch let e as SplitError { throw ValidationError(e.description) }
            try m.write(to: URL(fileURLWithPath: output))
            print("\(output): \(m.rows.count) images, sha256 \(m.contentHash)")
        }
    }

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the bundled real-tissue sample set (unlabeled patches, labeled tiles, contact sheets).",
            discussion: "Example:\n  csit data sample --tile 64 --output runs/sample64")

        @Option(help: "Tile size in pixels (32, 64 or 224).")
        var tile = 64

        @Option(help: "Output folder.")
        var output: String

        @Option(help: "Folder holding cmu_small_region.svs and skimage_ihc.png (default: data/sample).")
        var source = "data/sample"

        func run() throws {
            let src = URL(fileURLWithPath: source)
            var set = SampleSet(tileSize: tile, heSlide: src.appendingPathComponent("cmu_small_region.svs"),
                                ihcImage: src.appendingPathComponent("skimage_ihc.png"))
            set.slideReader = { try Slide(path: $0.path).levelZero() }
            let s = try set.build(output: URL(fileURLWithPath: output))
            print("\(output): \(s.unlabeled) unlabeled patches; labeled "
                  + SampleSet.classes.map { "\($0) \(s.perClass[$0] ?? 0)" }.joined(separator: ", "))
        }
    }
}
