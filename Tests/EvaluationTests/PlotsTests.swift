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
}
