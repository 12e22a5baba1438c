import XCTest
import Experiments

/// Hostile specs end in one clear line, quickly: deep nesting (which overflowed the YAML
/// parser's stack), alias bombs, and plans too large to run.
final class SpecLimitsTests: XCTestCase {
    let base = "name: s\ndataset:\n  kind: nct\n  root: /nowhere\nprotocol:\n  folds: 3\nmodes: [ft]\n"

    func error(_ yaml: String) -> String {
        do { _ = try Plan.make(try ExperimentSpec.parse(yaml, file: "h.yaml", checkPaths: false)); return "no error" }
        catch { return "\(error)" }
    }

    func testDeepNestingIsRefusedBeforeTheParserRecurses() {
        XCTAssertEqual(error("x: " + String(repeating: "[", count: 5000)), "h.yaml:1:260: spec too large: nested deeper than 256 levels")
        XCTAssertTrue(error(String(repeating: "- ", count: 3000) + "x\n").hasPrefix("h.yaml:1:"), error(String(repeating: "- ", count: 3000)))
        var block = ""
        for i in 0..<400 { block += String(repeating: " ", count: i) + "k\(i):\n" }
        XCTAssertTrue(error(block).hasPrefix("h.yaml:258:257: spec too large: nested deeper"), error(block))
        // Ordinary text with quotes, apostrophes and a few brackets passes.
        let ordinary = base + "description: \"Bob's [first] run\" # {draft}\ntables:\n  - {name: don't, columns: [accuracy]}\n"
        XCTAssertEqual(error(ordinary), "no error")
        // Quotes, escapes, explicit keys and other line breaks do not hide nesting (the
        // scanner counts every bracket; quoted hundreds of brackets are refused too).
        for hidden in ["name: Bob's " + String(repeating: "[", count: 5000),
                       "a: \"C:\\\\\" " + String(repeating: "[", count: 5000),
                       String(repeating: "? ", count: 5000) + "x\n",
                       String(repeating: ": ", count: 5000) + "x\n",
                       (0..<400).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\r"),
                       (0..<400).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\u{2028}")] {
            XCTAssertTrue(error(hidden).contains("spec too large: nested deeper than 256 levels"), String(error(hidden).prefix(120)))
        }
    }

    func testAliasBombStopsAtTheValueBudget() {
        var y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...7 { y += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        XCTAssertTrue(error(y).contains("spec too large: it expands to more than 200000 values (aliases?)"), error(y))
    }

    func testOversizedPlansNameTheirCountAndFactors() {
        let grid = (0..<300).map { "\($0 + 1).0e-4" }.joined(separator: ", ")
        let y = base + "sweep:\n  grid:\n    train.lr: [\(grid)]\n    train.weight_decay: [\(grid)]\n"
        XCTAssertEqual(error(y), "h.yaml: spec too large: it plans up to 270000 runs, more than 100000 "
                       + "(sweep.grid.train.lr: 300 × sweep.grid.train.weight_decay: 300 × protocol.folds: 3)")
        let seeds = (0..<60_000).map(String.init).joined(separator: ", ")
        let many = "name: s\ndataset:\n  kind: nct\n  root: /nowhere\nprotocol:\n  folds: 3\n  seeds: [\(seeds)]\nmodes: [ft]\n"
        XCTAssertTrue(error(many).contains("more than 100000 (protocol.seeds: 60000 × protocol.folds: 3)"), error(many))
    }

    func testOversizedFilesAreRefused() {
        let big = base + "description: \"" + String(repeating: "x", count: 1 << 20) + "\"\n"
        XCTAssertTrue(error(big).contains("spec too large: \(big.utf8.count) bytes, more than 1048576"), String(error(big).prefix(200)))
    }
}
