import Foundation

/// A public dataset with published counts, so a partial download or extraction shows up as
/// a warning before anything trains on it.
///
/// NCT-CRC-HE-100K and CRC-VAL-HE-7K share one layout (nine class folders), so they are
/// told apart by the folder their archive extracts to, which the specs name
/// (`${CSIT_DATA}/NCT-CRC-HE-100K`); a folder of another name in that layout (a subset, a
/// test fixture) is not compared. BreakHis's file names are its own, so every dataset read
/// in the BreakHis layout is compared with it.
public struct KnownDataset: Sendable, Equatable {
    /// The dataset's published name.
    public var name: String
    /// Root folder names that identify it (compared without regard to case); empty: the
    /// layout alone does.
    public var folders: [String]
    public var kind: DatasetKind
    public var images: Int
    public var classes: Int
    /// Benign and malignant images (BreakHis), nil where not published.
    public var benignMalignant: (benign: Int, malignant: Int)?
    /// Images per magnification (BreakHis), in `BreakHis.magnifications` order; empty where none.
    public var magnifications: [Int]

    public static func == (a: KnownDataset, b: KnownDataset) -> Bool { a.name == b.name }

    /// The datasets of the paper, with the counts their archives hold.
    public static let all: [KnownDataset] = [
        KnownDataset(name: "NCT-CRC-HE-100K", folders: ["NCT-CRC-HE-100K", "NCT-CRC-HE-100K-NONORM"], kind: .nct,
                     images: 100_000, classes: 9, benignMalignant: nil, magnifications: []),
        KnownDataset(name: "CRC-VAL-HE-7K", folders: ["CRC-VAL-HE-7K"], kind: .nct,
                     images: 7_180, classes: 9, benignMalignant: nil, magnifications: []),
        KnownDataset(name: "BreakHis v1", folders: [], kind: .breakhis, images: 7_909, classes: 2,
                     benignMalignant: (2_480, 5_429), magnifications: [1_995, 2_081, 2_013, 1_820]),
    ]

    /// The public dataset `dataset` is by its layout and folder name, if any. An ImageFolder
    /// of NCT class folders counts as the NCT layout.
    public static func matching(_ dataset: Dataset) -> KnownDataset? {
        let folder = dataset.root.standardizedFileURL.lastPathComponent.lowercased()
        let nctLayout = dataset.kind == .nct
            || (dataset.kind == .imageFolder && Set(dataset.classes).isSubset(of: Dataset.nctClasses))
        return all.first { k in
            switch k.kind {
            case .nct: return nctLayout && k.folders.contains { $0.lowercased() == folder }
            default: return dataset.kind == k.kind
            }
        }
    }

    /// The published image count of the dataset a root names, for costing a plan before the
    /// data is in place: NCT by the folder name, BreakHis by its layout (one magnification's
    /// images when `zoom` is given); nil for any other root (the unlabeled set is the user's).
    public static func expectedImages(root: String, kind: DatasetKind, zoom: String? = nil) -> Int? {
        let folder = URL(fileURLWithPath: root).standardizedFileURL.lastPathComponent.lowercased()
        guard let k = all.first(where: { k in
            k.kind == .breakhis ? kind == .breakhis : (kind == .nct || kind == .imageFolder) && k.folders.contains { $0.lowercased() == folder }
        }) else { return nil }
        if let zoom, let i = BreakHis.magnifications.firstIndex(of: zoom), i < k.magnifications.count { return k.magnifications[i] }
        return k.images
    }

    /// A warning naming expected and found counts when `dataset` differs from this dataset's
    /// published counts; nil when they agree.
    public func mismatch(_ dataset: Dataset) -> String? {
        let found = counts(of: dataset), expected = Counts(images: images, classes: classes, benignMalignant: benignMalignant.map { [$0.benign, $0.malignant] },
                                                          magnifications: magnifications)
        guard found != expected else { return nil }
        return "\(dataset.displayRoot): \(name) has \(expected.text); found \(found.text) (a partial download or extraction?)"
    }

    /// The counts compared, and how they read in a message.
    struct Counts: Equatable {
        var images: Int, classes: Int
        var benignMalignant: [Int]?
        var magnifications: [Int]

        var text: String {
            var s = "\(DatasetCheck.grouped(images)) images"
            if let bm = benignMalignant {
                s += " (\(DatasetCheck.grouped(bm[0])) benign, \(DatasetCheck.grouped(bm[1])) malignant"
                if !magnifications.isEmpty {
                    s += "; " + zip(BreakHis.magnifications, magnifications).map { "\($0) \(DatasetCheck.grouped($1))" }.joined(separator: ", ")
                }
                s += ")"
            } else {
                s += " in \(classes) classes"
            }
            return s
        }
    }

    /// `dataset`'s counts in the terms of this dataset (classes holding images; BreakHis's
    /// subtypes folded into benign and malignant).
    func counts(of dataset: Dataset) -> Counts {
        let held = dataset.classCounts.filter { $0 > 0 }.count
        guard benignMalignant != nil else {
            return Counts(images: dataset.samples.count, classes: held, benignMalignant: nil, magnifications: [])
        }
        // Binary labels are 0 benign / 1 malignant; the eight subtypes list the four benign first.
        let benignBelow = dataset.classes.count == 2 ? 1 : 4
        let benign = dataset.samples.filter { ($0.label ?? 0) < benignBelow }.count
        return Counts(images: dataset.samples.count, classes: Swift.min(held, 2), benignMalignant: [benign, dataset.samples.count - benign],
                      magnifications: BreakHis.magnifications.map { z in dataset.samples.filter { $0.zoom == z }.count })
    }
}
