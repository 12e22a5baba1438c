import Foundation
import HistoData

/// The report pictures: confusion heatmap, ROC curves, training curves.
public enum Plots {
    /// The confusion matrix as a heatmap: cells shaded by the row-normalised rate, counts
    /// written in each cell, class names on both axes.
    public static func confusionMatrix(_ m: ClassificationMetrics, title: String) -> Canvas {
        let C = m.classes.count
        let cell = Swift.max(44, Swift.min(90, 640 / Swift.max(C, 1)))
        let nameWidth = (m.classes.map { Canvas.textWidth($0) }.max() ?? 0) + 16
        // A column of its own for the vertical "true", so it never runs into a row's name.
        let left = nameWidth + 30 + Canvas.textHeight() + 8, top = 70
        // At least as wide as the title, so one or two classes do not clip it.
        var cv = Canvas(width: Swift.max(left + C * cell + 30, Canvas.textWidth(title) + 40), height: top + C * cell + nameWidth + 60)
        cv.text(title, x: cv.width / 2, y: 16, scale: 2, anchor: .center)
        cv.text("predicted", x: left + C * cell / 2, y: top + C * cell + nameWidth + 20, anchor: .center)
        cv.verticalText("true", x: 8, y: top + C * cell / 2 + Canvas.textWidth("true") / 2)
        for t in 0..<C {
            let rowTotal = Swift.max(1, m.confusion[t].reduce(0, +))
            for p in 0..<C {
                let rate = Double(m.confusion[t][p]) / Double(rowTotal)
                let shade: Canvas.Color = (UInt8(255 - 200 * rate), UInt8(255 - 140 * rate), UInt8(255 - 40 * rate))
                cv.fill(x: left + p * cell, y: top + t * cell, width: cell, height: cell, shade)
                cv.rect(x: left + p * cell, y: top + t * cell, width: cell, height: cell, Canvas.grey)
                let label = String(m.confusion[t][p])
                cv.text(label, x: left + p * cell + cell / 2, y: top + t * cell + cell / 2 - 8, scale: 2,
                        rate > 0.6 ? Canvas.white : Canvas.black, anchor: .center)
            }
            cv.text(m.classes[t], x: left - 8, y: top + t * cell + cell / 2 - 8, anchor: .right)
        }
        // Column names run upwards under their columns, so long names never collide.
        for p in 0..<C {
            cv.verticalText(m.classes[p], x: left + p * cell + cell / 2 - Canvas.textHeight() / 2,
                            y: top + C * cell + 8 + Canvas.textWidth(m.classes[p]))
        }
        return cv
    }

    /// Axes with ticks and labels mapping data coordinates to a plot rectangle.
    struct Axes {
        var x0: Int, y0: Int, w: Int, h: Int
        var xMin: Double, xMax: Double, yMin: Double, yMax: Double

        func px(_ x: Double) -> Int { x0 + Self.pixels((x - xMin) / Swift.max(xMax - xMin, 1e-12) * Double(w)) }
        func py(_ y: Double) -> Int { y0 + h - Self.pixels((y - yMin) / Swift.max(yMax - yMin, 1e-12) * Double(h)) }

        /// A pixel offset from a data offset: non-finite and huge values are pinned to a few
        /// canvases away (where clipping drops them) instead of trapping in `Int(_:)`.
        static func pixels(_ v: Double) -> Int {
            guard v.isFinite else { return v > 0 ? 100_000 : -100_000 }
            return Int(Swift.min(Swift.max(v, -100_000), 100_000))
        }

        /// The ticks drawn: each label is the value at its own position (the labels of an
        /// 8-epoch curve once read 1, 2, 4, 5, 7, 8 at even spacing).
        func ticks(integerX: Bool) -> (x: [(value: Double, label: String, pixel: Int)], y: [(value: Double, label: String, pixel: Int)]) {
            let xs = Plots.niceTicks(xMin, xMax, integer: integerX).map { v in (v, integerX ? String(Int(v)) : Plots.tick(v), px(v)) }
            let ys = Plots.niceTicks(yMin, yMax).map { v in (v, Plots.tick(v), py(v)) }
            return (xs, ys)
        }

        func draw(on cv: inout Canvas, xLabel: String, yLabel: String, integerX: Bool = false) {
            let t = ticks(integerX: integerX)
            for (_, label, y) in t.y {
                cv.line(x0, y, x0 + w, y, Canvas.lightGrey)
                cv.text(label, x: x0 - 6, y: y - 7, anchor: .right)
            }
            for (_, label, x) in t.x {
                cv.line(x, y0 + h, x, y0 + h + 5, Canvas.black)
                cv.text(label, x: x, y: y0 + h + 9, anchor: .center)
            }
            cv.rect(x: x0, y: y0, width: w + 1, height: h + 1, Canvas.black)
            cv.text(xLabel, x: x0 + w / 2, y: y0 + h + 32, anchor: .center)
            cv.text(yLabel, x: x0, y: y0 - 22)
        }
    }

    /// Round tick values inside `[lo, hi]`, 1, 2 or 5 × 10ᵏ apart, at most `count + 1` of
    /// them (whole numbers only when `integer`).
    public static func niceTicks(_ lo: Double, _ hi: Double, count: Int = 5, integer: Bool = false) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return lo.isFinite ? [lo] : [] }
        let raw = (hi - lo) / Double(Swift.max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if integer { step = Swift.max(1, step.rounded(.up)) }
        let first = (lo / step).rounded(.up) * step
        var ticks: [Double] = []
        var v = first
        // A relative tolerance keeps an end tick that rounding put a hair outside.
        while v <= hi + step * 1e-9 && ticks.count < count + 1 {
            // Twelve significant digits: 3 × 0.2 is 0.6, not 0.6000000000000001.
            ticks.append(abs(v) < step * 1e-9 ? 0 : Double(String(format: "%.12g", v)) ?? v)
            v = first + Double(ticks.count) * step
        }
        return ticks
    }

    static func tick(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1000 || a < 0.01 { return String(format: "%.1e", v) }
        if a >= 10 { return String(format: "%.0f", v) }
        return String(format: "%.2f", v)
    }

    /// The y range of a chart: 5 % padding, a unit range for a constant series, and never
    /// below zero for values that are all ≥ 0 (no negative ticks on a loss or a rate).
    public static func yRange(_ values: [Double]) -> (lo: Double, hi: Double) {
        let all = values.filter(\.isFinite)
        var (lo, hi) = (all.min() ?? 0, all.max() ?? 1)
        // Ranges beyond Double's (±1e308) are halved first.
        if !(hi - lo).isFinite { (lo, hi) = (lo / 2, hi / 2) }
        let nonNegative = lo >= 0
        if hi - lo < 1e-12 * Swift.max(1, abs(hi)) { (lo, hi) = (lo - 0.5 * Swift.max(1, abs(lo)), hi + 0.5 * Swift.max(1, abs(hi))) }
        let pad = (hi - lo) * 0.05
        return (nonNegative ? Swift.max(0, lo - pad) : lo - pad, hi + pad)
    }

    /// One-vs-rest ROC curves, one per class present in the labels, with AUC in the legend.
    /// Curves that overlap (the two classes of a binary task always do) stay apart by line
    /// style: solid, dashed, dotted, long-dashed.
    public static func rocCurves(labels: [Int], probabilities: [[Double]], classes: [String], title: String) -> Canvas {
        var cv = Canvas(width: 760, height: 560)
        let ax = Axes(x0: 90, y0: 60, w: 420, h: 420, xMin: 0, xMax: 1, yMin: 0, yMax: 1)
        cv.text(title, x: cv.width / 2, y: 14, anchor: .center)
        ax.draw(on: &cv, xLabel: "false positive rate", yLabel: "true positive rate")
        cv.line(ax.px(0), ax.py(0), ax.px(1), ax.py(1), Canvas.grey)
        var legendY = 70
        for c in classes.indices {
            let positives = labels.map { $0 == c }
            let n = positives.filter { $0 }.count
            guard n > 0 && n < labels.count else { continue }
            let scores = probabilities.map { $0[c] }
            let curve = ClassificationMetrics.rocCurve(positives: positives, scores: scores)
            let color = Canvas.palette[c % Canvas.palette.count]
            let dash = Canvas.Dash.styles[c % Canvas.Dash.styles.count]
            cv.polyline(curve.map { (ax.px($0.fpr), ax.py($0.tpr)) }, color, thickness: 2, dash: dash)
            let auc = ClassificationMetrics.rocAUC(positives: positives, scores: scores)
            cv.polyline([(530, legendY + 7), (552, legendY + 7)], color, thickness: 2, dash: dash.map { Canvas.Dash(on: Swift.min($0.on, 6), off: $0.off) })
            cv.text(String(format: "%@ %.3f", classes[c], auc), x: 560, y: legendY, scale: 2)
            legendY += 24
        }
        cv.text("class  AUC", x: 530, y: 44)
        return cv
    }

    /// A line chart of named series over epochs (point i at epoch i + 1).
    public static func lineChart(_ series: [(String, [Double])], title: String, yLabel: String) -> Canvas {
        lineChart(series.map { name, v in (name, v.enumerated().map { (Double($0.offset + 1), $0.element) }) },
                  title: title, xLabel: "epoch", yLabel: yLabel, markers: true)
    }

    /// A line chart of named series of (x, y) points; x in epochs (fractional for per-step
    /// series), ticks at whole epochs.
    public static func lineChart(_ series: [(String, [(x: Double, y: Double)])], title: String, xLabel: String, yLabel: String,
                                 markers: Bool) -> Canvas {
        var cv = Canvas(width: 760, height: 420)
        let (lo, hi) = yRange(series.flatMap { $0.1.map(\.y) })
        let xs = series.flatMap { $0.1.map(\.x) }.filter(\.isFinite)
        let xMin = Swift.min(xs.min() ?? 1, 1), xMax = Swift.max(xs.max() ?? 2, xMin + 1)
        let ax = Axes(x0: 100, y0: 56, w: 440, h: 290, xMin: xMin, xMax: xMax, yMin: lo, yMax: hi)
        cv.text(title, x: cv.width / 2, y: 12, anchor: .center)
        ax.draw(on: &cv, xLabel: xLabel, yLabel: yLabel, integerX: true)
        for (k, (name, points)) in series.enumerated() {
            let color = Canvas.palette[k % Canvas.palette.count]
            // Runs of finite points are joined; a non-finite one breaks the line.
            var run: [(x: Int, y: Int)] = []
            for p in points + [(x: .nan, y: .nan)] {
                guard p.x.isFinite, p.y.isFinite else { cv.polyline(run, color, thickness: 2); run = []; continue }
                let q = (x: ax.px(p.x), y: ax.py(p.y))
                if markers { cv.fill(x: q.x - 2, y: q.y - 2, width: 5, height: 5, color) }
                run.append(q)
            }
            cv.fill(x: 560, y: 66 + 24 * k + 4, width: 18, height: 6, color)
            cv.text(name, x: 586, y: 60 + 24 * k + 2)
        }
        return cv
    }
}
