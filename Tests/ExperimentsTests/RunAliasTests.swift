import Experiments
import Foundation
import XCTest

/// Readable names of run folders, and `csit runs --where` conditions.
final class RunAliasTests: XCTestCase {
    func testAliasesReadListValuesAndNeverShareAName() throws {
        let l = RunLabel(mode: "ssl-ft", fold: 0, zoom: nil, labelFraction: 1, seed: 0,
                         sweep: "ssl.tasks=[rotation, contrastive], ssl.loss_weighting=equal")
        XCTAssertEqual(RunStore.alias(l), "ssl-ft_fold0_tasksrotation+contrastive_loss_weightingequal")
        var other = l
        other.sweep = "ssl.tasks=[rotation, reconstruction], ssl.loss_weighting=equal"
        XCTAssertNotEqual(RunStore.alias(l), RunStore.alias(other), "list values are not cut at their commas")
        // Two runs whose labels read alike: the second link carries its id.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-alias-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = RunStore(root: dir)
        store.linkAliases("aaaaaaaaaaaaaaaa", labels: [l])
        store.linkAliases("bbbbbbbbbbbbbbbb", labels: [l])
        store.linkAliases("aaaaaaaaaaaaaaaa", labels: [l])
        let names = try FileManager.default.contentsOfDirectory(atPath: store.aliasesDir.path).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertEqual(names, [RunStore.alias(l), RunStore.alias(l) + "_bbbbbbbb"])
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: store.aliasesDir.appendingPathComponent(names[0]).path),
                       "../aaaaaaaaaaaaaaaa")
    }

    func testWhereConditionsKeepCommasInsideValues() {
        XCTAssertEqual(RunListing.conditions("mode=ssl-ft,fold=0"), ["mode=ssl-ft", "fold=0"])
        XCTAssertEqual(RunListing.conditions("tasks=rotation,contrastive,fold=1"), ["tasks=rotation,contrastive", "fold=1"])
        XCTAssertEqual(RunListing.conditions("fold"), ["fold"])
    }
}
