import CSiTKit
import Foundation
import Training

/// The images a planned run reads, estimated from the dataset listing before its split is
/// made (folds and hold-outs are stratified, so the shares are close).
public struct RunImages: Equatable, Sendable {
    /// Images per training epoch (after validation and label fraction).
    public var train = 0
    /// The validation split (0 without one).
    public var validation = 0
    /// The test split, evaluated once at the end.
    public var test = 0
    /// Evaluations during training: each reads the validation split, or the test split
    /// when there is none (the published protocol).
    public var evaluations = 0
    /// The training split before validation and label fraction.
    var pool = 0.0
    var labelFraction = 1.0

    public init() {}

    /// The validation split as the run will carve it (per class, rounded), the rest trains.
    mutating func setValidation(_ v: Int) {
        validation = v
        train = Int((pool - Double(v)) * labelFraction)
    }

    /// - Parameters:
    ///   - listed: the images of the run's listing (its zoom; for SSL, the unlabeled set).
    ///   - testRoot: the images of a fixed test folder, when the run has one.
    init(_ c: RunConfig, listed: Int, testRoot: Int?) {
        guard c.mode != .ssl else { train = listed; return }
        // The share that trains: the other folds, or what a hold-out leaves, or every image
        // beside a fixed test folder.
        let trainShare = c.folds.map { Double($0 - 1) / Double($0) }
            ?? (c.testRoot != nil ? 1 - (c.testFraction ?? 0) : 1 - (c.testFraction ?? 0.2))
        (pool, labelFraction) = (Double(listed) * trainShare, c.labelFraction)
        train = Int(pool * (1 - c.validation) * c.labelFraction)
        validation = Int(pool * c.validation)
        test = testRoot ?? Int(Double(listed) * (1 - trainShare))
        evaluations = (c.epochs + c.evalEvery - 1) / c.evalEvery
    }

    /// Image forward passes spent on evaluation.
    var evaluated: Int { evaluations * (validation > 0 ? validation : test) + test }
}

/// A wall-clock estimate of a plan's runs not yet done: each run's GFLOPs (training images ×
/// epochs × the model's FLOPs per image for its workload, plus evaluation passes) over this
/// machine's measured rate for that model and workload (`Calibration`). Runs are costed as
/// if run one after another on `threads` threads; core-hours are that time × threads.
public struct PlanEstimate: Sendable {
    public struct Line: Equatable, Sendable {
        public var mode: String
        public var runs: Int
        public var seconds: Double
    }

    /// One line per mode, in the order modes first appear in the plan.
    public var lines: [Line]
    public var threads: Int
    /// Runs whose data is not in place and not a public dataset of known size: not costed.
    public var uncosted = 0

    public var seconds: Double { lines.map(\.seconds).reduce(0, +) }
    public var coreHours: Double { seconds * Double(threads) / 3600 }

    /// What a run costs beside its arithmetic: starting the process, listing and splitting
    /// the data, writing checkpoints, reports and pictures (the demo's 16 runs spent about
    /// 1.2 s each on 2 cores). Small specs are mostly this.
    public static let secondsPerRun = 1.0

    /// The training workload of a mode.
    static func workload(_ mode: RunConfig.Mode) -> CSiTConfig.Workload {
        mode == .ssl ? .ssl : mode.freezesBackbone ? .frozenBackbone : .training
    }

    /// - Parameter rate: GFLOP/s for a model and workload (`Calibration.gflopsPerSecond`).
    /// - Throws: `RunConfigError` when a run's model cannot be built (the plan checked it).
    public static func make(_ plan: Plan, store: RunStore, threads: Int,
                            rate: (CSiTConfig, CSiTConfig.Workload) -> Double) throws -> PlanEstimate {
        var lines: [Line] = []
        var uncosted = 0
        for r in plan.runs where !store.isDone(r.id) {
            guard r.images.train > 0 else { uncosted += 1; continue }
            let model = try r.config.modelConfig()
            let w = workload(r.config.mode)
            let trainGF = Double(r.images.train * r.config.epochs) * model.gflopPerImage(w)
            let evalGF = Double(r.images.evaluated) * model.gflopPerImage(.inference)
            let seconds = Self.secondsPerRun + trainGF / rate(model, w) + (evalGF > 0 ? evalGF / rate(model, .inference) : 0)
            let mode = r.config.mode.rawValue
            if let i = lines.firstIndex(where: { $0.mode == mode }) {
                lines[i].runs += 1
                lines[i].seconds += seconds
            } else {
                lines.append(Line(mode: mode, runs: 1, seconds: seconds))
            }
        }
        return PlanEstimate(lines: lines, threads: threads, uncosted: uncosted)
    }

    /// `estimate on this machine (2 threads): …` with a line per mode and the total.
    public func render() -> String {
        let note = uncosted == 0 ? "" : "  not costed: \(uncosted) run\(uncosted == 1 ? "" : "s") whose data is not in place (no known size)\n"
        guard !lines.isEmpty else { return "estimate: nothing to run\n" + note }
        var s = "estimate on this machine (\(threads) thread\(threads == 1 ? "" : "s"), runs one after another; "
            + "from FLOPs per image and a measured rate, plus \(Int(Self.secondsPerRun)) s per run to start and finish):\n"
        let width = Swift.max(lines.map(\.mode.count).max() ?? 0, 5)
        func row(_ name: String, _ runs: Int, _ seconds: Double) -> String {
            "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + "\(runs) run\(runs == 1 ? " " : "s")".leftPadded(8) + "  " + ProgressReporter.duration(seconds).leftPadded(10) + "\n"
        }
        for l in lines { s += row(l.mode, l.runs, l.seconds) }
        s += row("total", lines.map(\.runs).reduce(0, +), seconds)
        s += String(format: coreHours < 10 ? "  %.2f core-hours\n" : "  %.0f core-hours\n", coreHours)
        return s + note
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: Swift.max(0, width - count)) + self }
}
