import Foundation
import XCTest

/// The documents a newcomer reads link only to files in the repository (the README linked
/// ../shared/method.md, which no clone has).
final class DocumentationTests: XCTestCase {
    func testRelativeLinksResolveInsideTheRepository() throws {
        let root = CLIRunner.repositoryRoot
        var docs = ["README.md", "experiments/README.md"]
        docs += try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        let link = try NSRegularExpression(pattern: #"\]\(([^)#\s]+)(#[^)]*)?\)"#)
        var checked = 0
        for doc in docs {
            let text = try String(contentsOf: root.appendingPathComponent(doc), encoding: .utf8)
            XCTAssertFalse(text.contains("shared/method.md"), "\(doc) names the method description outside the repository")
            for m in link.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let target = String(text[Range(m.range(at: 1), in: text)!])
                guard !target.contains("://"), !target.hasPrefix("mailto:") else { continue }
                let resolved = root.appendingPathComponent(doc).deletingLastPathComponent().appendingPathComponent(target).standardized
                XCTAssertTrue(resolved.path.hasPrefix(root.standardized.path), "\(doc): \(target) leaves the repository")
                XCTAssertTrue(FileManager.default.fileExists(atPath: resolved.path), "\(doc): \(target) does not exist")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 3)
    }
}
