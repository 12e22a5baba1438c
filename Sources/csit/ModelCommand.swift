import ArgumentParser
import Foundation
import CSiTKit
import TensorKit
import Training

/// `csit model …`: inspect model presets.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect model presets and checkpoints.",
        subcommands: [Summary.self, Check.self])

    /// `csit model check`: what loading a checkpoint into a configuration does.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a safetensors checkpoint into a model and report what was loaded, resized, dropped and ignored.",
            discussion: "Example:\n  csit model check --checkpoint csit.safetensors --preset csit-compact --mode ft --classes 9")

        @OptionGroup var model: ModelOptions

        @Option(help: "A .safetensors checkpoint or a run folder (tools/convert_pth.py converts a PyTorch .pth).")
        var checkpoint: String

        @Option(help: "Training mode whose heads to build: ssl, or any other mode (classifier heads).")
        var mode: ModelOptions.ModeName = .ft

        @Option(help: "Classes of the fine-tune heads.")
        var classes = 9

        func run() throws {
            let config = try model.config(mode: mode)
            var rng = RNG(seed: 0)
            let m = CSiTModel(config: config, mode: mode.modelMode(classes: classes), rng: &rng)
            let r = try m.loadPretrained(contentsOf: URL(fileURLWithPath: RunIdentity.checkpointFile(checkpoint)))
            print("loaded \(r.loaded.count) tensors into \(config.preset) (\(mode.heads))")
            for (label, keys) in [("resized", r.resized), ("dropped (other shape)", r.droppedHeads),
                                  ("freshly initialised", r.freshlyInitialised), ("ignored", r.ignored)] where !keys.isEmpty {
                print("\(label): \(keys.joined(separator: ", "))")
            }
        }
    }

    /// `csit model summary`: parameters per part and the total.
    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print parameter counts per part and the total.",
                                                        discussion: "Example:\n  csit model summary --preset csit-compact --image-size 224 --mode ssl")

        @OptionGroup var model: ModelOptions

        @Option(help: "Training mode whose heads to count: ssl, or any other mode (classifier heads; cct-14-7x2 is always a classifier).")
        var mode: ModelOptions.ModeName = .ssl

        @Option(help: "Classes of the fine-tune heads.")
        var classes = 9

        func run() throws {
            let config = try model.config(mode: mode)
            var rng = RNG(seed: 0)
            print("\(config.preset) at \(config.imageSize) px, token stride \(config.tokenStride) "
                  + "(grid \(config.gridSize)×\(config.gridSize)), \(config.architecture == .cct ? "classifier" : mode.heads)"
                  + (config.architecture == .cct || mode != .ssl ? ", \(classes) classes" : ""))
            if config.architecture == .cct {
                print(CCTModel(config: config, classes: classes, rng: &rng).summary.render())
            } else {
                print(CSiTModel(config: config, mode: mode.modelMode(classes: classes), rng: &rng).summary.render())
            }
        }
    }
}

/// Options naming a model configuration.
struct ModelOptions: ParsableArguments {
    /// `csit train`'s mode names; `finetune` is still accepted.
    enum ModeName: String, ExpressibleByArgument, CaseIterable {
        case ssl, ft, le, mlp, sslft = "ssl-ft", randomLE = "random-le", randomMLP = "random-mlp", finetune
        static var allValueStrings: [String] { RunConfig.Mode.allCases.map(\.rawValue) }
        /// The heads the mode's model has.
        var heads: String { self == .ssl ? "ssl" : "finetune" }
        func modelMode(classes: Int) -> CSiTModel.Mode { self == .ssl ? .ssl : .finetune(classes: classes) }
    }

    @Option(help: "Preset: \(CSiTConfig.presetNames.joined(separator: ", ")).")
    var preset = "csit-compact"

    @Option(help: "Input side S in pixels (a multiple of the token stride).")
    var imageSize = 224

    @Option(help: "Token stride: 16 or 8.")
    var tokenStride = 16

    @Option(help: "Representation size R (Linear d→R → tanh before each head).")
    var representationSize: Int?

    @Option(help: "Override the preset's width d.")
    var dim: Int?

    @Option(help: "Override the preset's depth L.")
    var depth: Int?

    @Option(help: "Override the preset's attention heads.")
    var heads: Int?

    @Option(help: "Override the preset's MLP ratio.")
    var mlpRatio: Int?

    /// - Parameter mode: an MLP probe gets the paper's R = 1024 unless `--representation-size` says otherwise.
    func config(mode: ModeName? = nil) throws -> CSiTConfig {
        do {
            return try CSiTConfig.preset(preset, imageSize: imageSize, tokenStride: tokenStride,
                                         representationSize: representationSize ?? (mode == .mlp || mode == .randomMLP ? RunConfig.paper(.mlp).representationSize : nil))
                .overriding(dim: dim, depth: depth, heads: heads, mlpRatio: mlpRatio)
        } catch let e as ModelConfigError {
            throw ValidationError(e.description)
        }
    }
}
