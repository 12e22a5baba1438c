import Foundation

/// One image of a dataset.
public struct Sample: Equatable, Hashable, Sendable, Codable {
    /// Path relative to the dataset root.
    public var path: String
    /// Class index into `Dataset.classes`, nil for unlabeled data.
    public var label: Int?
    /// The grouping unit for patient-level splits (BreakHis: the patient/slide id); empty if none.
    public var group: String
    /// Magnification (BreakHis: 40X, 100X, 200X, 400X); empty if none.
    public var zoom: String

    public init(path: String, label: Int?, group: String = "", zoom: String = "") {
        (self.path, self.label, self.group, self.zoom) = (path, label, group, zoom)
    }
}

/// The dataset layouts csit reads.
public enum DatasetKind: String, CaseIterable, Codable, Sendable {
    /// `root/<class>/<image>`, classes sorted by name.
    case imageFolder = "imagefolder"
    /// NCT-CRC-HE-100K / CRC-VAL-HE-7K: `root/<CLASS>/<CLASS>-<ID>.tif`, 9 tissue classes.
    case nct
    /// BreakHis v1 in its archive layout; every field from the file name.
    case breakhis
    /// Any folder tree of images, no labels.
    case unlabeled
    /// Whole slides tiled on the fly (tissue tiles only): `root/<class>/<slide>` labels each
    /// slide's tiles with its folder, a flat folder of slides is unlabeled. Listed by the
    /// Slides module (`Dataset.load(_:root:task:tiling:)`), which sets `Dataset.reader`.
    case slides
}

/// The BreakHis classification task.
public enum BreakHisTask: String, CaseIterable, Codable, Sendable {
    /// benign / malignant (the paper).
    case binary
    /// the eight histological subtypes.
    case subtype = "8-class"
}

/// A list of samples with class names, read from one of the supported layouts.
public struct Dataset: Sendable {
    public var kind: DatasetKind
    public var root: URL
    public var classes: [String]
    public var samples: [Sample]
    /// Reads samples that are not image files (tiles of whole slides); nil: every sample is
    /// an image file decoded with `ImageDecoder`.
    public var reader: (any SampleReader)?

    public init(kind: DatasetKind, root: URL, classes: [String], samples: [Sample], reader: (any SampleReader)? = nil) {
        (self.kind, self.root, self.classes, self.samples, self.reader) = (kind, root, classes, samples, reader)
    }

    /// Reads a dataset from `root`.
    ///
    /// - Parameters:
    ///   - task: the BreakHis task (ignored for other kinds).
    /// - Throws: `DatasetError` naming the folder or file and what was expected.
    public static func load(_ kind: DatasetKind, root: URL, task: BreakHisTask = .binary) throws -> Dataset {
        switch kind {
        case .imageFolder: return try imageFolder(root: root)
        case .nct: return try nct(root: root)
        case .breakhis: return try BreakHis.load(root: root, task: task)
        case .unlabeled:
            let files = try listImages(root)
            return Dataset(kind: .unlabeled, root: root, classes: [],
                           samples: files.map { Sample(path: ImageFiles.relativePath($0, to: root), label: nil) })
        case .slides: throw DatasetError.needsTiling(root.path)
        }
    }

    static func listImages(_ root: URL) throws -> [URL] {
        do { return try ImageFiles.list(under: root) }
        catch { throw DatasetError.notAFolder(root.path) }
    }

    /// `root/<class>/…/<image>`: every sub-folder of `root` is a class (sorted).
    public static func imageFolder(root: URL, kind: DatasetKind = .imageFolder) throws -> Dataset {
        let entries: [URL]
        do {
            // By name, so a root that is a symbolic link lists the folder it points to.
            entries = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }
                .map { root.appendingPathComponent($0) }
        } catch { throw DatasetError.notAFolder(root.path) }
        let classDirs = entries.filter(ImageFiles.isDirectory)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !classDirs.isEmpty else { throw DatasetError.noClassFolders(root.path) }
        var samples: [Sample] = []
        for (label, dir) in classDirs.enumerated() {
            for f in try listImages(dir) {
                samples.append(Sample(path: ImageFiles.relativePath(f, to: root), label: label))
            }
        }
        guard !samples.isEmpty else { throw DatasetError.noImages(root.path) }
        return Dataset(kind: kind, root: root, classes: classDirs.map(\.lastPathComponent), samples: samples)
    }

    /// The nine NCT-CRC-HE tissue classes, in the published (sorted) order.
    public static let nctClasses = ["ADI", "BACK", "DEB", "LYM", "MUC", "MUS", "NORM", "STR", "TUM"]

    /// NCT-CRC-HE-100K or CRC-VAL-HE-7K.
    public static func nct(root: URL) throws -> Dataset {
        let d = try imageFolder(root: root, kind: .nct)
        let unknown = d.classes.filter { !nctClasses.contains($0) }
        guard unknown.isEmpty else {
            throw DatasetError.unexpectedClasses(root.path, found: unknown, expected: nctClasses)
        }
        // Always index by the nine published classes, even if a subset is present.
        let samples = d.samples.map { s -> Sample in
            var s = s
            s.label = nctClasses.firstIndex(of: d.classes[s.label!])
            return s
        }
        return Dataset(kind: .nct, root: root, classes: nctClasses, samples: samples)
    }

    /// Samples per class index.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classes.count)
        for s in samples { if let l = s.label { c[l] += 1 } }
        return c
    }

    /// The same dataset restricted to samples passing `keep`.
    public func filter(_ keep: (Sample) -> Bool) -> Dataset {
        Dataset(kind: kind, root: root, classes: classes, samples: samples.filter(keep), reader: reader)
    }

    /// The absolute location of a sample's file.
    public func url(of s: Sample) -> URL { root.appendingPathComponent(s.path) }

    /// A sample's pixels: through `reader` when the dataset has one, else its decoded file.
    public func image(of s: Sample) throws -> RGBImage {
        if let reader { return try reader.image(of: s) }
        return try ImageDecoder.decode(url(of: s))
    }
}

/// A dataset folder that does not have the expected layout.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case notAFolder(String)
    case noClassFolders(String)
    case noImages(String)
    case unexpectedClasses(String, found: [String], expected: [String])
    case badBreakHisName(String, reason: String)
    case noBreakHisImages(String)
    /// `DatasetKind.slides` asked of the image loader (slides need the Slides module's tiling).
    case needsTiling(String)

    public var description: String {
        switch self {
        case .notAFolder(let p): return "\(p): not a readable folder"
        case .noClassFolders(let p): return "\(p): no class sub-folders; expected root/<class>/<image>"
        case .noImages(let p): return "\(p): no PNG, JPEG or TIFF images found"
        case let .unexpectedClasses(p, found, expected):
            return "\(p): unexpected class folder(s) \(found.joined(separator: ", ")); expected some of \(expected.joined(separator: ", "))"
        case let .badBreakHisName(p, r): return "\(p): not a BreakHis file name (\(r)); expected e.g. SOB_B_A-14-22549AB-40-001.png"
        case .noBreakHisImages(let p): return "\(p): no BreakHis images (SOB_*.png) found"
        case .needsTiling(let p): return "\(p): dataset kind slides is tiled by the Slides module (Dataset.load(_:root:task:tiling:))"
        }
    }
}
