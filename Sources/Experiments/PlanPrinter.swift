import Foundation
import Training

extension Plan {
    /// A compact view of the graph: SSL nodes with their downstream runs grouped, counts,
    /// and the image-steps still to run (`PlanEstimate` turns them into time).
    public func render(store: RunStore) -> String {
        let done = runs.filter { store.isDone($0.id) }.count
        var s = "\(spec.name): \(runs.count) runs (\(done) done, \(runs.count - done) to run)\n"
        let steps = runs.filter { !store.isDone($0.id) }.map(\.imageSteps).reduce(0, +)
        s += "cost to run: \(ParameterGrouping.grouped(steps)) image-steps\n\n"
        func line(_ r: PlannedRun) -> String {
            let mark = store.isDone(r.id) ? "✓" : (store.status(r.id).state == .failed ? "✗" : "·")
            let c = r.config
            var parts = ["\(mark) \(r.id)", r.config.mode.rawValue]
            let labels = r.labels
            if let f = labels.first?.fold { parts.append("fold \(f)") }
            if let z = labels.first?.zoom { parts.append(z) }
            if c.labelFraction < 1 { parts.append(String(format: "%g%% labels", c.labelFraction * 100)) }
            parts.append("seed \(c.seed)")
            parts.append("\(c.epochs) ep × b\(c.batchSize), lr \(c.lr)")
            if let sweep = labels.first?.sweep, !sweep.isEmpty { parts.append("[\(sweep)]") }
            if labels.count > 1 { parts.append("(shared by \(labels.count) entries)") }
            if !r.resources.isEmpty { parts.append("{\(r.resources.summary)}") }
            return parts.joined(separator: "  ")
        }
        for ssl in sslRuns {
            s += line(ssl) + "\n"
            for r in runs where r.dependsOn == ssl.id { s += "  └ " + line(r) + "\n" }
        }
        let independent = runs.filter { $0.config.mode != .ssl && $0.dependsOn == nil }
        if !independent.isEmpty {
            s += independent.isEmpty || sslRuns.isEmpty ? "" : "\n"
            for r in independent { s += line(r) + "\n" }
        }
        s += renderDatasets()
        return s
    }
}

enum ParameterGrouping {
    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.reversed().enumerated() { if i > 0 && i % 3 == 0 { out.append(",") }; out.append(ch) }
        return String(out.reversed())
    }
}
