import Evaluation
import Foundation

/// A line chart drawn as inline SVG from the numbers: axes with round ticks, a grid, one
/// polyline per series (a circle where a series has a single point) and a legend. Series
/// carry an optional run id (`data-run`) so the compare page can show and hide them.
public struct LineChart {
    /// One line: its legend name, points, and the run it belongs to.
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var run: String?
        /// Dashed (validation against training, or a second family of lines).
        public var dashed: Bool
        /// The colour and dash index (nil: the series' position), so that a run keeps its
        /// colour on every chart of a page.
        public var style: Int?

        public init(name: String, points: [(x: Double, y: Double)], run: String? = nil, dashed: Bool = false, style: Int? = nil) {
            self.name = name
            self.points = points.filter { $0.x.isFinite && $0.y.isFinite }
            self.run = run
            self.dashed = dashed
            self.style = style
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed axis ranges (ROC: 0…1); nil: from the data.
    public var xRange: (lo: Double, hi: Double)?
    public var yRange: (lo: Double, hi: Double)?
    /// Draws the y = x diagonal (ROC).
    public var diagonal = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// The categorical colours (Okabe–Ito, distinguishable with colour-vision deficiency).
    public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    static let width = 640.0, height = 340.0
    /// The margins around the plot area (the legend sits in the right one).
    static let left = 62.0, right = 200.0, top = 30.0, bottom = 46.0

    /// A coordinate with two decimals (crisp enough, short, deterministic).
    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    /// The chart's x and y ranges (fixed, else from the data, x never empty).
    public var ranges: (x: (lo: Double, hi: Double), y: (lo: Double, hi: Double)) {
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        var x = xRange ?? (xs.min() ?? 0, xs.max() ?? 1)
        if x.hi - x.lo < 1e-12 { x = (x.lo - 0.5, x.hi + 0.5) }
        return (x, yRange ?? Plots.yRange(ys))
    }

    /// The pixel position of a data point for the chart's `ranges`.
    static func position(_ x: Double, _ y: Double, _ ranges: (x: (lo: Double, hi: Double), y: (lo: Double, hi: Double))) -> (Double, Double) {
        let (rx, ry) = ranges
        let pw = Self.width - Self.left - Self.right, ph = Self.height - Self.top - Self.bottom
        return (Self.left + (x - rx.lo) / (rx.hi - rx.lo) * pw, Self.top + ph - (y - ry.lo) / (ry.hi - ry.lo) * ph)
    }

    /// The chart as an `<svg>` element.
    public var svg: String {
        let r = ranges
        let (rx, ry) = r
        func position(_ x: Double, _ y: Double) -> (Double, Double) { Self.position(x, y, r) }
        let (w, h) = (Self.width, Self.height)
        let (x0, x1, y0, y1) = (Self.left, w - Self.right, Self.top, h - Self.bottom)
        var s = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        s += "<title>\(HTML.escape(title))</title>"
        s += "<text class=\"title\" x=\"\(f(x0))\" y=\"18\">\(HTML.escape(title))</text>"
        let yTicks = Plots.niceTicks(ry.lo, ry.hi)
        for (t, label) in zip(yTicks, Self.tickLabels(yTicks)) {
            let y = position(rx.lo, t).1
            s += "<line class=\"grid\" x1=\"\(f(x0))\" y1=\"\(f(y))\" x2=\"\(f(x1))\" y2=\"\(f(y))\"/>"
            s += "<text class=\"tick\" x=\"\(f(x0 - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(label)</text>"
        }
        let integerX = xRange == nil && series.allSatisfy { $0.points.allSatisfy { $0.x == $0.x.rounded() } }
        let xTicks = Plots.niceTicks(rx.lo, rx.hi, integer: integerX)
        for (t, label) in zip(xTicks, Self.tickLabels(xTicks)) {
            let x = position(t, ry.lo).0
            s += "<line class=\"tickmark\" x1=\"\(f(x))\" y1=\"\(f(y1))\" x2=\"\(f(x))\" y2=\"\(f(y1 + 5))\"/>"
            s += "<text class=\"tick\" x=\"\(f(x))\" y=\"\(f(y1 + 18))\" text-anchor=\"middle\">\(label)</text>"
        }
        s += "<rect class=\"frame\" x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(x1 - x0))\" height=\"\(f(y1 - y0))\"/>"
        s += "<text class=\"axis\" x=\"\(f((x0 + x1) / 2))\" y=\"\(f(h - 8))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        s += "<text class=\"axis\" transform=\"translate(14 \(f((y0 + y1) / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>"
        if diagonal {
            let (a, b) = (position(rx.lo, ry.lo), position(rx.hi, ry.hi))
            s += "<line class=\"diagonal\" x1=\"\(f(a.0))\" y1=\"\(f(a.1))\" x2=\"\(f(b.0))\" y2=\"\(f(b.1))\"/>"
        }
        for (i, line) in series.enumerated() {
            let k = line.style ?? i
            let color = Self.palette[k % Self.palette.count]
            let run = line.run.map { " data-run=\"\(HTML.escape($0))\"" } ?? ""
            // Past the palette, lines repeat a colour with a dash pattern of their own.
            let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : k >= Self.palette.count ? " stroke-dasharray=\"\(Self.dashes[(k / Self.palette.count - 1) % Self.dashes.count])\"" : ""
            s += "<g class=\"series\"\(run)>"
            s += "<title>\(HTML.escape(line.name))</title>"
            if line.points.count == 1, let p = line.points.first {
                let (x, y) = position(p.x, p.y)
                s += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"3.5\" fill=\"\(color)\"/>"
            } else if !line.points.isEmpty {
                let pts = Self.corners(line.points).map { p -> String in let (x, y) = position(p.x, p.y); return "\(f(x)),\(f(y))" }.joined(separator: " ")
                s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
            }
            // The legend: at most 12 entries fit beside the plot; the rest are named on hover.
            if i < 12 {
                let ly = y0 + 8 + Double(i) * 18
                s += "<line x1=\"\(f(x1 + 12))\" y1=\"\(f(ly))\" x2=\"\(f(x1 + 34))\" y2=\"\(f(ly))\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>"
                s += "<text class=\"legend\" x=\"\(f(x1 + 40))\" y=\"\(f(ly + 4))\">\(HTML.escape(Self.short(line.name)))</text>"
            }
            s += "</g>"
        }
        if series.count > 12 {
            s += "<text class=\"legend\" x=\"\(f(x1 + 12))\" y=\"\(f(y0 + 8 + 12 * 18 + 4))\">+\(series.count - 12) more</text>"
        }
        if series.allSatisfy({ $0.points.isEmpty }) {
            s += "<text class=\"axis\" x=\"\(f((x0 + x1) / 2))\" y=\"\(f((y0 + y1) / 2))\" text-anchor=\"middle\">no data</text>"
        }
        return s + "</svg>"
    }

    private func f(_ v: Double) -> String { Self.f(v) }

    /// The points without those in the middle of a horizontal or vertical run (a ROC
    /// staircase of thousands of test images keeps only its corners; the line is the same).
    public static func corners(_ p: [(x: Double, y: Double)]) -> [(x: Double, y: Double)] {
        guard p.count > 2 else { return p }
        var out = [p[0]]
        for i in 1..<(p.count - 1) {
            let (a, b, c) = (p[i - 1], p[i], p[i + 1])
            if (a.x == b.x && b.x == c.x) || (a.y == b.y && b.y == c.y) { continue }
            out.append(b)
        }
        out.append(p[p.count - 1])
        return out
    }

    /// A legend name cut to fit beside the plot.
    static func short(_ name: String) -> String { name.count > 26 ? String(name.prefix(25)) + "…" : name }

    /// The dash patterns of lines past the palette.
    static let dashes = ["2 3", "8 3 2 3", "10 5"]

    /// Tick labels with the fewest decimals that tell every tick apart: fixed point inside
    /// 0.01…1000, an exponent outside (0 is `0`).
    public static func tickLabels(_ ticks: [Double]) -> [String] {
        let scientific = ticks.contains { $0 != 0 && (abs($0) >= 1000 || abs($0) < 0.01) }
        for digits in 0...8 {
            let labels = ticks.map { $0 == 0 ? "0" : String(format: scientific ? "%.\(digits)e" : "%.\(digits)f", $0) }
            if Set(labels).count == labels.count { return labels }
        }
        return ticks.map { String($0) }
    }
}
