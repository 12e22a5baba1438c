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

    /// Checks size and nesting on the text.
    ///
    /// - Throws: `SpecError.tooLarge` naming the line where the nesting limit is passed.
    static func check(_ text: String, file: String) throws {
        let bytes = text.utf8.count
        guard bytes <= maxBytes else {
            throw SpecError.tooLarge(SpecLocation(file: file, line: 0, column: 0), "\(bytes) bytes, more than \(maxBytes)")
        }
        var flow = 0
        var line = 1, column = 0
        var atLineStart = true, indent = 0, dashes = 0
        var quote: UInt8? = nil
        var inComment = false
        var previous: UInt8 = 0x0A
        for c in text.utf8 {
            column += 1
            if c == 0x0A {
                line += 1
                column = 0
                (atLineStart, indent, dashes, inComment) = (true, 0, 0, false)
                previous = c
                if quote == 0x27 || quote == 0x22 { continue }   // quoted scalars may span lines
                continue
            }
            if inComment { continue }
            if let q = quote {
                if c == q && (q == 0x27 || previous != 0x5C) { quote = nil }
                previous = c
                continue
            }
            if atLineStart {
                if c == 0x20 { indent += 1; previous = c; continue }
                if c == 0x2D { dashes += 1; previous = c; continue }   // "- - - x": one level per dash
                atLineStart = false
            }
            switch c {
            case 0x23 where previous == 0x20 || previous == 0x0A || previous == 0x09: inComment = true
            // A quote opens a scalar only where a token starts ("don't" is plain text).
            case 0x27, 0x22 where [0x20, 0x09, 0x0A, 0x3A, 0x5B, 0x7B, 0x2C, 0x2D].contains(previous): quote = c
            case 0x5B, 0x7B: flow += 1
            case 0x5D, 0x7D: flow = Swift.max(0, flow - 1)
            default: break
            }
            if flow + indent + dashes > maxDepth {
                throw SpecError.tooLarge(SpecLocation(file: file, line: line, column: column), "nested deeper than \(maxDepth) levels")
            }
            previous = c
        }
        if flow + indent + dashes > maxDepth {
            throw SpecError.tooLarge(SpecLocation(file: file, line: line, column: Swift.max(column, 1)), "nested deeper than \(maxDepth) levels")
        }
    }
}
