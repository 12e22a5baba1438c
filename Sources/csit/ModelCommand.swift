import ArgumentParser
import Foundation
import CSiTKit
import TensorKit

/// `csit model …`: inspect model presets.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect model presets and checkpoints.",
        subcommands: [Summary.self, Check.self])

    /// `csit model check`: what loading a checkpoint into a configuration does.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a safetensors checkpoint into a model and report what was loaded, resized, dropped and ignored.")

        @OptionGroup var model: ModelOptions

        @Option(help: "The .safetensors checkpoint (tools/convert_pth.py converts a PyTorch .pth).")
        var checkpoint: String

        @Option(help: "ssl or finetune.")
        var mode: ModelOptions.ModeName = .finetune

        @Option(help: "Classes of the fine-tune heads.")
        var classes = 9

        func run() throws {
            let config = try model.config()
            var rng = RNG(seed: 0)
            let m = CSiTModel(config: config, mode: mode == .ssl ? .ssl : .finetune(classes: classes), rng: &rng)
            let r = try m.loadPretrained(contentsOf: URL(fileURLWithPath: checkpoint))
            print("loaded \(r.loaded.count) tensors into \(config.preset) (\(mode.rawValue))")
            for (label, keys) in [("resized", r.resized), ("dropped (other shape)", r.droppedHeads),
                                  ("freshly initialised", r.freshlyInitialised), ("ignored", r.ignored)] where !keys.isEmpty {
                print("\(label): \(keys.joined(separator: ", "))")
            }
        }
    }

    /// `csit model summary`: parameters per part and the total.
    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print parameter counts per part and the total.")

        @OptionGroup var model: ModelOptions

        @Option(help: "ssl or finetune (cct-14-7x2 is always a classifier).")
        var mode: ModelOptions.ModeName = .ssl

        @Option(help: "Classes of the fine-tune heads.")
        var classes = 9

        func run() throws {
            let config = try model.config()
            var rng = RNG(seed: 0)
            print("\(config.preset) at \(config.imageSize) px, token stride \(config.tokenStride) "
                  + "(grid \(config.gridSize)×\(config.gridSize)), \(config.architecture == .cct ? "classifier" : mode.rawValue)"
                  + (config.architecture == .cct || mode == .finetune ? ", \(classes) classes" : ""))
            if config.architecture == .cct {
                print(CCTModel(config: config, classes: classes, rng: &rng).summary.render())
            } else {
                let m = CSiTModel(config: config, mode: mode == .ssl ? .ssl : .finetune(classes: classes), rng: &rng)
                print(m.summary.render())
            }
        }
    }
}

/// Options naming a model configuration.
struct ModelOptions: ParsableArguments {
    enum ModeName: String, ExpressibleByArgument, CaseIterable { case ssl, finetune }

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

    func config() throws -> CSiTConfig {
        do {
            return try CSiTConfig.preset(preset, imageSize: imageSize, tokenStride: tokenStride,
                                         representationSize: representationSize)
                .overriding(dim: dim, depth: depth, heads: heads, mlpRatio: mlpRatio)
        } catch let e as ModelConfigError {
            throw ValidationError(e.description)
        }
    }
}
