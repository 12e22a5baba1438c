import CSiTKit
import Foundation
import HistoData
import NeuralKit
import TensorKit

/// This machine's measured arithmetic rate for one model and workload (GFLOP/s), for
/// wall-clock estimates before anything has run: a few steps on random images, timed, and
/// cached in `calibration.json` under the user's cache folder (`CSIT_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/csit`, else `~/.cache/csit`), keyed by host, threads, compute version,
/// architecture and workload. A calibration takes about a second for the demo's model and
/// about ten seconds for csit-compact at 224 px.
public struct Calibration: Sendable {
    /// The cache file.
    public let url: URL
    public let threads: Int

    /// - Parameters:
    ///   - threads: the threads the estimated runs will use (and the calibration uses).
    ///   - cacheDirectory: where `calibration.json` lives (nil: the user's cache folder).
    public init(threads: Int, cacheDirectory: URL? = nil) {
        self.threads = Swift.max(1, threads)
        url = (cacheDirectory ?? Self.defaultDirectory).appendingPathComponent("calibration.json")
    }

    static var defaultDirectory: URL { CacheFolder.url }

    /// The cache key of a model and workload on this machine.
    func key(_ c: CSiTConfig, _ w: CSiTConfig.Workload) -> String {
        [ProcessInfo.processInfo.hostName, "\(threads) threads", ComputeVersion.string, c.preset, "d\(c.dim) L\(c.depth) h\(c.heads) r\(c.mlpRatio)",
         "S\(c.imageSize)/\(c.tokenStride)", c.representationSize.map { "R\($0)" } ?? "", w.rawValue].joined(separator: "|")
    }

    /// The measured rate, from the cache or measured now (and cached).
    ///
    /// - Parameter measured: called with a description when a measurement is about to run.
    public func gflopsPerSecond(_ c: CSiTConfig, _ w: CSiTConfig.Workload, measuring: ((String) -> Void)? = nil) -> Double {
        let k = key(c, w)
        var cache = (try? JSONDecoder().decode([String: Double].self, from: Data(contentsOf: url))) ?? [:]
        // A rate outside what any CPU does (a damaged cache) is measured again.
        if let r = cache[k], Self.plausible.contains(r) { return r }
        if let r = Self.session.value(k) { return r }
        measuring?("\(c.preset) at \(c.imageSize) px\(c.representationSize.map { " (R \($0))" } ?? ""), \(w.rawValue), "
                   + "\(threads) thread\(threads == 1 ? "" : "s")")
        let r = ComputeContext.current.with(threads: threads).run { Self.measure(c, w) }
        cache[k] = r
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try e.encode(cache), to: url)
        } catch {
            // Measured once per process all the same; the next process measures again.
            Self.session.set(k, r)
            if Self.session.warnOnce() {
                FileHandle.standardError.write(Data("warning: cannot save the calibration in \(url.path): \(AtomicFile.reason(error))\n".utf8))
            }
        }
        return r
    }

    /// GFLOP/s a CPU node can do: a cached value outside is damaged.
    static let plausible = 1e-3...1e7

    /// Rates this process measured and could not save.
    static let session = SessionRates()

    /// Times the fastest of three steps after one warm-up, on random images: as many as
    /// make a step of about 8 GFLOP (4 to 32), because small models run far below their
    /// training batches' rate on a batch of four (the demo's SSL was overestimated by half).
    static func measure(_ c: CSiTConfig, _ w: CSiTConfig.Workload) -> Double {
        var rng = RNG(seed: 0, stream: "calibration")
        let batch = Swift.min(32, Swift.max(4, Int((8 / c.gflopPerImage(w)).rounded(.up))))
        let model = CSiTModel(config: c, mode: w == .ssl ? .ssl : .finetune(classes: 9), rng: &rng)
        let images = Tensor.normal([w == .ssl ? 2 * batch : batch, 3, c.imageSize, c.imageSize], rng: &rng)
        let labels = (0..<batch).map { $0 % 9 }
        let ssl = w == .ssl ? SSLBatch.make(views: images, rng: &rng) : nil
        if w == .frozenBackbone { model.freezeBackbone() }
        let step: () -> Void
        switch w {
        case .inference:
            model.eval()
            step = { _ = withoutGrad { model.classify(images).logits.softmax() } }
        case .training, .frozenBackbone:
            if w == .training { model.train() } else { model.eval() }
            step = {
                model.zeroGrad()
                SSLObjective.finetuneLoss(model.classify(images), labels: labels).backward()
            }
        case .ssl:
            model.train()
            step = {
                model.zeroGrad()
                model.sslLosses(model.ssl(ssl!.corrupted), rotationLabels: ssl!.rotationLabels, clean: ssl!.clean).total.backward()
            }
        }
        step()
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            step()
            best = Swift.min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return c.gflopPerImage(w) * Double(batch) / Swift.max(best, 1e-9)
    }
}

/// The rates a process measured, shared by every `Calibration` of the process.
final class SessionRates: @unchecked Sendable {
    private let lock = NSLock()
    private var rates: [String: Double] = [:]
    private var warned = false

    func value(_ key: String) -> Double? { lock.withLock { rates[key] } }
    func set(_ key: String, _ rate: Double) { lock.withLock { rates[key] = rate } }
    /// True the first time only.
    func warnOnce() -> Bool { lock.withLock { defer { warned = true }; return !warned } }
}
