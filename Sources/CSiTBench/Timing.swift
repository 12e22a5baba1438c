import Foundation
import TensorKit

/// Wall-clock measurement helpers for the benchmark.
enum Timing {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Runs `body` `warmup` times, then until `minTime` seconds and `minReps` repetitions
    /// have passed; returns the per-call times in seconds.
    static func measure(warmup: Int = 2, minReps: Int = 5, minTime: Double = 0.4, _ body: () -> Void) -> [Double] {
        for _ in 0..<warmup { body() }
        var times: [Double] = []
        let start = now()
        while times.count < minReps || now() - start < minTime {
            let t0 = now()
            body()
            times.append(now() - t0)
            if times.count >= 200 { break }
        }
        return times
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : 0.5 * (s[s.count / 2 - 1] + s[s.count / 2])
    }
}

/// One JSON line per measurement.
struct BenchRecord {
    var fields: [(String, Any)] = []
    mutating func set(_ key: String, _ value: Any) { fields.append((key, value)) }

    func line() -> String {
        let parts = fields.map { key, value -> String in
            let v: String
            switch value {
            case let d as Double: v = d.isFinite ? String(format: "%.4g", d) : "null"
            case let i as Int: v = String(i)
            case let b as Bool: v = b ? "true" : "false"
            default: v = "\"\(value)\""
            }
            return "\"\(key)\":\(v)"
        }
        return "{" + parts.joined(separator: ",") + "}"
    }
}
