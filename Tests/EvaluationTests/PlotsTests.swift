import XCTest
import Evaluation

/// No plotting routine may loop or trap on degenerate input: one class, no samples, NaN,
/// infinities, constant and huge series. Each call must return a picture.
final class PlotsTests: XCTestCase {
    func testConfusionMatrixOfOneAndTwoClasses() {
        let one = ClassificationMetrics(labels: [0, 0, 0], probabilities: [[1], [1], [1]], classes: ["only"])
        let cv = Plots.confusionMatrix(one, title: "Confusion matrix (test set, a long title that is wider than the matrix)")
        XCTAssertGreaterThan(cv.width, Canvas.textWidth("Confusion matrix (test set, a long title that is wider than the matrix)"))
        let two = ClassificationMetrics(labels: [0, 1], probabilities: [[0.9, 0.1], [0.2, 0.8]], classes: ["a", "b"])
        XCTAssertGreaterThan(Plots.confusionMatrix(two, title: "t").height, 0)
    }

    func testROCWithOneClassPresentAndNaNScores() {
        _ = Plots.rocCurves(labels: [0, 0], probabilities: [[0.5, 0.5], [0.4, 0.6]], classes: ["a", "b"], title: "t")
        _ = Plots.rocCurves(labels: [0, 1, 1], probabilities: [[.nan, .nan], [0.4, 0.6], [.infinity, 0]], classes: ["a", "b"], title: "t")
        _ = Plots.rocCurves(labels: [], probabilities: [], classes: ["a"], title: "t")
    }

    func testLineChartsOfDegenerateSeries() {
        let cases: [[Double]] = [[], [.nan], [3], [2, 2, 2], [1e308, -1e308], [.infinity, -.infinity, 1], [0, 1e-300], [-5, .nan, 7]]
        for values in cases {
            let cv = Plots.lineChart([("s", values), ("empty", [])], title: "t", yLabel: "y")
            XCTAssertEqual(cv.width, 760, "\(values)")
        }
    }

    func testLinesFarOffTheCanvasCostNothing() {
        var cv = Canvas(width: 50, height: 50)
        cv.line(-1_000_000_000, -1_000_000_000, 1_000_000_000, 1_000_000_000, Canvas.black, thickness: 3)
        cv.line(Int.min / 4, 10, Int.max / 4, 10, Canvas.black)
        cv.fill(x: 40, y: 40, width: -10, height: 100, Canvas.black)
        cv.fill(x: -100, y: -100, width: 10, height: 10, Canvas.black)
        XCTAssertEqual(cv.image.pixels[(25 * 50 + 25) * 3], 0, "the diagonal crosses the centre")
    }

    /// Ticks sit at round values and each label is the value at its position: an 8-epoch
    /// curve's labels read 1, 2, 4, 5, 7, 8 at even spacing (epoch 2 sat near "1.7").
    func testTicksAreRoundValuesAtTheirPositions() {
        XCTAssertEqual(Plots.niceTicks(1, 8, integer: true), [2, 4, 6, 8])
        XCTAssertEqual(Plots.niceTicks(1, 3, integer: true), [1, 2, 3])
        XCTAssertEqual(Plots.niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(Plots.niceTicks(1, 50, integer: true), [10, 20, 30, 40, 50])
        for (lo, hi) in [(0.013, 0.71), (-3.0, 12.5), (1e-5, 3e-4), (1.0, 1.5)] {
            let t = Plots.niceTicks(lo, hi)
            XCTAssertFalse(t.isEmpty)
            XCTAssertTrue(t.allSatisfy { $0 >= lo - 1e-12 && $0 <= hi + 1e-12 }, "\(t) outside [\(lo), \(hi)]")
            XCTAssertLessThanOrEqual(t.count, 7)
        }
    }

    /// A positive series gets no negative axis (the 5 % padding went below zero).
    func testPositiveSeriesHaveNoNegativeAxis() {
        XCTAssertEqual(Plots.yRange([0.01, 0.5, 1.0]).lo, 0)
        XCTAssertEqual(Plots.yRange([0, 0, 0]).lo, 0)
        XCTAssertLessThan(Plots.yRange([-1, 1]).lo, -1)
        XCTAssertEqual(Plots.yRange([2, 3]).lo, 1.95, accuracy: 1e-12)
    }

    /// The two curves of a binary task coincide; the second is dashed, so both colours show.
    func testOverlappingROCCurvesStayVisible() {
        let labels = [0, 1, 0, 1, 1, 0, 1, 0]
        let p1 = [0.2, 0.9, 0.4, 0.6, 0.7, 0.55, 0.3, 0.1]
        let cv = Plots.rocCurves(labels: labels, probabilities: p1.map { [1 - $0, $0] }, classes: ["benign", "malignant"], title: "t")
        func count(_ c: Canvas.Color) -> Int {
            var n = 0
            for y in 60...480 { for x in 90...510 {
                let i = (y * cv.width + x) * 3
                if cv.image.pixels[i] == c.0 && cv.image.pixels[i + 1] == c.1 && cv.image.pixels[i + 2] == c.2 { n += 1 }
            } }
            return n
        }
        XCTAssertGreaterThan(count(Canvas.palette[0]), 100, "the first class's curve is hidden under the second")
        XCTAssertGreaterThan(count(Canvas.palette[1]), 100)
    }

    /// Found by review: the axis title "true" was drawn over the middle row's name ("trueMUC").
    /// It now stands vertically in a column of its own: a clear gap separates it from the names.
    func testConfusionAxisTitleDoesNotTouchRowNames() {
        let names = ["a long class name", "b", "c"]
        let m = ClassificationMetrics(labels: [0, 1, 2], probabilities: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], classes: names)
        let cv = Plots.confusionMatrix(m, title: "t")
        func dark(_ x: Int, _ y: Int) -> Bool { cv.image.pixels[(y * cv.width + x) * 3] < 128 }
        let gap = 8 + Canvas.textHeight() + 3
        XCTAssertTrue((60..<(cv.height - 40)).contains { dark(8 + Canvas.textHeight() / 2, $0) }, "the vertical title is drawn")
        XCTAssertFalse((60..<(cv.height - 40)).contains { dark(gap, $0) }, "a clear column between the title and the row names")
    }
}
