import Foundation

/// Bounds a spec must stay within, checked before the YAML parser runs (it recurses once
/// per nesting level, and a few thousand levels overflow the stack) and while its tree is
/// built (aliases can expand exponentially).
public enum SpecLimits {
    /// Largest spec file, in bytes.
    public static let maxBytes = 1 << 20
    /// Deepest nesting (flow brackets, indentation and compact `- ` entries together).
    public static let maxDepth = 256
    /// Most values (scalars, lists, mappings) the spec may expand to, aliases included.
    public static let maxValues = 200_000
    /// Most runs a plan may hold.
    public static let maxRuns = 100_000

    /// Checks size and nesting on the text. Deliberately coarse, so nothing slips past it:
    /// every `[` and `{` counts (inside quotes and comments too), and at the start of a line
    /// every space and every `-`, `?` and `:` does (indentation and compact nested entries);
    /// all of YAML's line breaks end a line. Only a spec with hundreds of brackets in its text
    /// is refused wrongly.
    ///
    /// - Throws: `SpecError.tooLarge` naming the line where the nesting limit is passed.
    public static func check(_ text: String, file: String) throws {
        let bytes = text.utf8.count
        guard bytes <= maxBytes else {
            throw SpecError.tooLarge(SpecLocation(file: file, line: 0, column: 0), "\(bytes) bytes, more than \(maxBytes)")
        }
        var flow = 0, line = 1, column = 0
        var atLineStart = true, lineStart = 0
        for u in text.unicodeScalars {
            column += 1
            if u == "\n" || u == "\r" || u == "\u{85}" || u == "\u{2028}" || u == "\u{2029}" {
                if u != "\r" { line += 1 }
                (column, atLineStart, lineStart) = (0, true, 0)
                continue
            }
            if atLineStart && (u == " " || u == "\t" || u == "-" || u == "?" || u == ":") {
                lineStart += 1
            } else {
                atLineStart = false
                if u == "[" || u == "{" { flow += 1 } else if u == "]" || u == "}" { flow = Swift.max(0, flow - 1) }
            }
            if flow + lineStart > maxDepth {
                throw SpecError.tooLarge(SpecLocation(file: file, line: line, column: column), "nested deeper than \(maxDepth) levels")
            }
        }
    }
}
