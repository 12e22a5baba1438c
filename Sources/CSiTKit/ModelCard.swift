import Foundation
import TensorKit

/// What a checkpoint needs to be used without anyone remembering how it was trained: the
/// architecture, the input it expects, its heads and class names, and where it came from.
///
/// Written into every csit checkpoint's safetensors metadata (string keys, JSON where a
/// value is structured), in the spirit of timm's `pretrained_cfg` and a Hugging Face
/// `config.json`, so `csit predict --checkpoint FILE` needs nothing else.
public struct ModelCard: Equatable, Sendable {
    /// Format tag of the metadata; a checkpoint without it is a legacy (pre-card) file.
    public static let format = "csit-model-1"

    /// Architecture and input geometry (preset, d, L, heads, S, token stride, R, pooling).
    public var config: CSiTConfig
    /// Which heads the tensors hold.
    public var mode: CSiTModel.Mode
    /// Class names in label order (fine-tuned models; empty for SSL models).
    public var classes: [String]
    /// Per-channel input normalisation applied after scaling pixels to [0, 1].
    public var mean: [Float]
    public var std: [Float]
    /// The training mode of the run (`ssl`, `ft`, `le`, `mlp`, `ssl-ft`), when known.
    public var trainingMode: String?
    /// The run's identity (`RunIdentity.id`), when it came from a csit run.
    public var runID: String?
    /// What wrote it (`csit <compute version>` or `convert_pth.py`).
    public var producer: String?
    /// Set when the run was trained further with `--extend`: the epochs it had before.
    public var extendedFromEpochs: Int?

    public init(config: CSiTConfig, mode: CSiTModel.Mode, classes: [String], mean: [Float], std: [Float],
                trainingMode: String? = nil, runID: String? = nil, producer: String? = nil) {
        (self.config, self.mode, self.classes, self.mean, self.std) = (config, mode, classes, mean, std)
        (self.trainingMode, self.runID, self.producer) = (trainingMode, runID, producer)
    }

    /// The card as safetensors metadata.
    public var metadata: [String: String] {
        var m = ["format": Self.format, "config": Self.json(config), "mean": Self.json(mean), "std": Self.json(std)]
        switch mode {
        case .ssl: m["heads"] = "ssl"
        case .finetune(let n): m["heads"] = "finetune"; m["num_classes"] = String(n); m["classes"] = Self.json(classes)
        }
        if let trainingMode { m["training_mode"] = trainingMode }
        if let runID { m["run_id"] = runID }
        if let producer { m["producer"] = producer }
        if let e = extendedFromEpochs { m["extended_from_epochs"] = String(e) }
        return m
    }

    /// Reads a card from safetensors metadata.
    ///
    /// - Returns: nil for a checkpoint written before cards existed (no `format` tag).
    /// - Throws: `ModelCardError` naming the file and key when a card is present but damaged.
    public init?(metadata m: [String: String], file: String) throws {
        guard let format = m["format"], format.hasPrefix("csit-model-") else { return nil }
        guard format == Self.format else { throw ModelCardError.bad(file: file, key: "format", value: format, expected: Self.format) }
        func decode<T: Decodable>(_ key: String, _: T.Type, expected: String) throws -> T {
            guard let s = m[key] else { throw ModelCardError.missing(file: file, key: key) }
            guard let v = try? JSONDecoder().decode(T.self, from: Data(s.utf8)) else {
                throw ModelCardError.bad(file: file, key: key, value: s, expected: expected)
            }
            return v
        }
        config = try decode("config", CSiTConfig.self, expected: "a model configuration (JSON)")
        guard CSiTConfig.presetNames.contains(config.preset) || config.preset == "custom" else {
            throw ModelCardError.bad(file: file, key: "config.preset", value: config.preset,
                                     expected: "one of \((CSiTConfig.presetNames + ["custom"]).joined(separator: ", "))")
        }
        do { try config.validate() } catch let e as ModelConfigError {
            throw ModelCardError.bad(file: file, key: "config", value: e.description, expected: "a valid configuration")
        }
        mean = try decode("mean", [Float].self, expected: "three numbers")
        std = try decode("std", [Float].self, expected: "three positive numbers")
        guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 }) else {
            throw ModelCardError.bad(file: file, key: "mean/std", value: "\(mean) / \(std)", expected: "three numbers each, std > 0")
        }
        switch m["heads"] {
        case "ssl":
            mode = .ssl
            classes = []
        case "finetune":
            classes = try decode("classes", [String].self, expected: "a list of class names")
            guard classes.count >= 2, Set(classes).count == classes.count, !classes.contains(where: { $0.isEmpty }) else {
                throw ModelCardError.bad(file: file, key: "classes", value: m["classes"] ?? "", expected: "two or more distinct, non-empty names")
            }
            if let n = m["num_classes"], Int(n) != classes.count {
                throw ModelCardError.bad(file: file, key: "num_classes", value: n, expected: "\(classes.count), the number of class names")
            }
            mode = .finetune(classes: classes.count)
        case let other:
            throw ModelCardError.bad(file: file, key: "heads", value: other ?? "(none)", expected: "ssl or finetune")
        }
        trainingMode = m["training_mode"]
        if let t = trainingMode, !Self.trainingModes.contains(t) {
            throw ModelCardError.bad(file: file, key: "training_mode", value: t, expected: "one of " + Self.trainingModes.joined(separator: ", "))
        }
        runID = m["run_id"]
        producer = m["producer"]
        extendedFromEpochs = m["extended_from_epochs"].flatMap(Int.init)
    }

    /// The training modes a card may name (Training's `RunConfig.Mode` raw values).
    static let trainingModes = ["ssl", "ft", "le", "mlp", "ssl-ft", "random-le", "random-mlp"]

    /// Reads the card of a safetensors file (header only is parsed; tensors are loaded too).
    public static func read(_ url: URL) throws -> ModelCard? {
        try ModelCard(metadata: try SafeTensors.read(url).metadata, file: url.path)
    }

    static func json<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(v)) ?? Data(), as: UTF8.self)
    }
}

/// A model card that is present but cannot be used.
public enum ModelCardError: Error, CustomStringConvertible, Equatable {
    case missing(file: String, key: String)
    case bad(file: String, key: String, value: String, expected: String)
    /// A command-line flag that disagrees with the checkpoint's card.
    case contradiction(file: String, flag: String, card: String, hint: String?)
    /// A checkpoint without a card, used without the flags that describe it.
    case legacy(file: String)
    /// A checkpoint whose heads cannot do what was asked (an SSL model for prediction).
    case wrongHeads(file: String, found: String, needed: String)

    public var description: String {
        switch self {
        case let .missing(f, k): return "\(f): model metadata lacks '\(k)'"
        case let .bad(f, k, v, e): return "\(f): model metadata '\(k)' = \(v): expected \(e)"
        case let .contradiction(f, flag, card, hint):
            return "\(flag) contradicts the checkpoint's \(card) (\(f))" + (hint.map { "; \($0)" } ?? "")
        case let .wrongHeads(f, found, needed): return "\(f) holds \(found) heads; \(needed)"
        case .legacy(let f):
            return "\(f) has no model card (written before cards, or not by csit): give --classes, and --preset, --image-size and --token-stride if not the published values"
        }
    }
}
