import Foundation

/// BreakHis v1: `…/breast/{benign,malignant}/SOB/<subtype>/<patient>/<40X|…>/<file>.png`,
/// with everything encoded in the file name `SOB_<B|M>_<subtype>-<year>-<slide>-<zoom>-<seq>.png`.
public enum BreakHis {
    /// Subtype codes in label order for the 8-class task (benign first).
    public static let subtypeCodes = ["A", "F", "PT", "TA", "DC", "LC", "MC", "PC"]
    public static let subtypeNames = ["adenosis", "fibroadenoma", "phyllodes_tumor", "tubular_adenoma",
                                      "ductal_carcinoma", "lobular_carcinoma", "mucinous_carcinoma", "papillary_carcinoma"]
    public static let magnifications = ["40X", "100X", "200X", "400X"]

    /// The fields of one file name.
    public struct FileName: Equatable, Sendable {
        public var malignant: Bool
        /// Subtype code (A, F, PT, TA, DC, LC, MC, PC).
        public var subtype: String
        /// Patient (slide) id, `<year>-<slide>`, e.g. `14-22549AB`.
        public var patient: String
        /// `40X`, `100X`, `200X` or `400X`.
        public var magnification: String
        public var sequence: Int

        /// Parses `SOB_B_A-14-22549AB-40-001.png`.
        ///
        /// - Throws: `DatasetError.badBreakHisName` saying which field is wrong.
        public init(parsing name: String) throws {
            func bad(_ why: String) -> DatasetError { .badBreakHisName(name, reason: why) }
            guard name.lowercased().hasSuffix(".png") else { throw bad("not a .png file") }
            let stem = String(name.dropLast(4))
            let parts = stem.split(separator: "_", maxSplits: 2).map(String.init)
            guard parts.count == 3, parts[0] == "SOB" else { throw bad("must start with SOB_") }
            guard parts[1] == "B" || parts[1] == "M" else { throw bad("tumour class '\(parts[1])' is not B or M") }
            let fields = parts[2].split(separator: "-").map(String.init)
            guard fields.count == 5 else { throw bad("expected <subtype>-<year>-<slide>-<zoom>-<seq>") }
            guard let code = subtypeCodes.firstIndex(of: fields[0]) else { throw bad("unknown subtype '\(fields[0])'") }
            let benignCode = code < 4
            guard benignCode == (parts[1] == "B") else { throw bad("subtype \(fields[0]) does not match class \(parts[1])") }
            guard magnifications.contains(fields[3] + "X") else { throw bad("magnification '\(fields[3])' is not 40, 100, 200 or 400") }
            guard let seq = Int(fields[4]) else { throw bad("sequence '\(fields[4])' is not a number") }
            malignant = parts[1] == "M"
            subtype = fields[0]
            patient = fields[1] + "-" + fields[2]
            magnification = fields[3] + "X"
            sequence = seq
        }
    }

    /// Every `SOB_*.png` below `root` (the archive's `BreaKHis_v1` folder or any folder
    /// above it), checked against the folders it sits in.
    public static func load(root: URL, task: BreakHisTask) throws -> Dataset {
        let files: [URL]
        do { files = try ImageFiles.list(under: root) } catch { throw DatasetError.notAFolder(root.path) }
        var samples: [Sample] = []
        for f in files where f.lastPathComponent.hasPrefix("SOB_") {
            let name = try FileName(parsing: f.lastPathComponent)
            // The archive's folders repeat the name's fields; a file in the wrong folder is
            // more likely a copying mistake than a relabelling.
            let parent = f.deletingLastPathComponent().lastPathComponent
            if magnifications.contains(parent) && parent != name.magnification {
                throw DatasetError.badBreakHisName(f.path, reason: "in folder \(parent) but named \(name.magnification)")
            }
            let comps = f.pathComponents
            if (comps.contains("benign") && name.malignant) || (comps.contains("malignant") && !name.malignant) {
                throw DatasetError.badBreakHisName(f.path, reason: "class in the name disagrees with its folder")
            }
            let label = task == .binary ? (name.malignant ? 1 : 0) : subtypeCodes.firstIndex(of: name.subtype)!
            samples.append(Sample(path: ImageFiles.relativePath(f, to: root), label: label,
                                  group: name.patient, zoom: name.magnification))
        }
        guard !samples.isEmpty else { throw DatasetError.noBreakHisImages(root.path) }
        return Dataset(kind: .breakhis, root: root, classes: task == .binary ? ["benign", "malignant"] : subtypeNames,
                       samples: samples)
    }
}
