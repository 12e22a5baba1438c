import ArgumentParser
import Foundation
import NeuralKit

/// `csit smoke`: a short training on synthetic images that exercises the whole engine.
struct Smoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small conv + attention network on synthetic stripes (engine smoke test).")

    @OptionGroup var engine: EngineOptions

    @Option(help: "Training steps.")
    var steps = 60

    @Option(help: "Root seed.")
    var seed: UInt64 = 0

    func run() throws {
        engine.apply()
        let start = Date()
        let history = SmokeTraining.run(steps: steps, seed: seed) { s in
            if s.step % 10 == 0 || s.step == steps - 1 {
                print(String(format: "step %3d  loss %.4f  acc %.2f  lr %.2e", s.step, s.loss, s.accuracy, s.lr))
            }
        }
        let first = history.first?.loss ?? .nan, last = history.last?.loss ?? .nan
        print(String(format: "smoke training: loss %.3f → %.3f in %.1f s", first, last, Date().timeIntervalSince(start)))
    }
}
