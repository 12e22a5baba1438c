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
        let left = nameWidth + 30, top = 70
        // At least as wide as the title, so one or two classes do not clip it.
        var cv = Canvas(width: Swift.max(left + C * cell + 30, Canvas.textWidth(title) + 40), height: top + C * cell + nameWidth + 60)
        cv.text(title, x: cv.width / 2, y: 16, scale: 2, anchor: .center)
        cv.text("predicted", x: left + C * cell / 2, y: top + C * cell + nameWidth + 20, anchor: .center)
        cv.text("true", x: 8, y: top + C * cell / 2 - 8)
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

        func draw(on cv: inout Canvas, xLabel: String, yLabel: String, xTicks: Int = 5, yTicks: Int = 5, integerX: Bool = false) {
            for i in 0...yTicks {
                let v = yMin + (yMax - yMin) * Double(i) / Double(yTicks)
                cv.line(x0, py(v), x0 + w, py(v), Canvas.lightGrey)
                cv.text(Plots.tick(v), x: x0 - 6, y: py(v) - 7, anchor: .right)
            }
            for i in 0...xTicks {
                let v = xMin + (xMax - xMin) * Double(i) / Double(xTicks)
                cv.line(px(v), y0 + h, px(v), y0 + h + 5, Canvas.black)
                cv.text(integerX ? String(Int(v.rounded())) : Plots.tick(v), x: px(v), y: y0 + h + 9, anchor: .center)
            }
            cv.rect(x: x0, y: y0, width: w + 1, height: h + 1, Canvas.black)
            cv.text(xLabel, x: x0 + w / 2, y: y0 + h + 32, anchor: .center)
            cv.text(yLabel, x: x0, y: y0 - 22)
        }
    }

    static func tick(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1000 || a < 0.01 { return String(format: "%.1e", v) }
        if a >= 10 { return String(format: "%.0f", v) }
        return String(format: "%.2f", v)
    }

    /// One-vs-rest ROC curves, one per class present in the labels, with AUC in the legend.
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
            for (a, b) in zip(curve, curve.dropFirst()) {
                cv.line(ax.px(a.fpr), ax.py(a.tpr), ax.px(b.fpr), ax.py(b.tpr), color, thickness: 2)
            }
            let auc = ClassificationMetrics.rocAUC(positives: positives, scores: scores)
            cv.fill(x: 530, y: legendY + 4, width: 18, height: 6, color)
            cv.text(String(format: "%@ %.3f", classes[c], auc), x: 556, y: legendY, scale: 2)
            legendY += 24
        }
        cv.text("class  AUC", x: 530, y: 44)
        return cv
    }

    /// A line chart of named series over epochs.
    public static func lineChart(_ series: [(String, [Double])], title: String, yLabel: String) -> Canvas {
        var cv = Canvas(width: 760, height: 420)
        let all = series.flatMap(\.1).filter(\.isFinite)
        let n = series.map(\.1.count).max() ?? 1
        var (lo, hi) = (all.min() ?? 0, all.max() ?? 1)
        // Constant series get a unit range; ranges beyond Double's (±1e308) are halved first.
        if !(hi - lo).isFinite { (lo, hi) = (lo / 2, hi / 2) }
        if hi - lo < 1e-12 * Swift.max(1, abs(hi)) { (lo, hi) = (lo - 0.5 * Swift.max(1, abs(lo)), hi + 0.5 * Swift.max(1, abs(hi))) }
        let pad = (hi - lo) * 0.05
        let ax = Axes(x0: 100, y0: 56, w: 440, h: 290, xMin: 1, xMax: Double(Swift.max(n, 2)), yMin: lo - pad, yMax: hi + pad)
        cv.text(title, x: cv.width / 2, y: 12, anchor: .center)
        ax.draw(on: &cv, xLabel: "epoch", yLabel: yLabel, xTicks: Swift.min(Swift.max(n - 1, 1), 5), integerX: true)
        for (k, (name, values)) in series.enumerated() {
            let color = Canvas.palette[k % Canvas.palette.count]
            for i in values.indices where values[i].isFinite {
                let (x, y) = (ax.px(Double(i + 1)), ax.py(values[i]))
                cv.fill(x: x - 2, y: y - 2, width: 5, height: 5, color)
                if i + 1 < values.count, values[i + 1].isFinite {
                    cv.line(x, y, ax.px(Double(i + 2)), ax.py(values[i + 1]), color, thickness: 2)
                }
            }
            cv.fill(x: 560, y: 66 + 24 * k + 4, width: 18, height: 6, color)
            cv.text(name, x: 586, y: 60 + 24 * k + 2)
        }
        return cv
    }
}
