import Foundation

/// Swift source as bytes with comments and string literals blanked (same offsets, line
/// breaks kept), and the lexical helpers `BackwardClosureScanner` needs.
struct SourceText {
    let code: [UInt8]
    private var lineStarts: [Int] = [0]

    init(_ source: String) {
        code = Self.blanked(Array(source.utf8))
        for (k, c) in code.enumerated() where c == Byte.newline { lineStarts.append(k + 1) }
    }

    var count: Int { code.count }
    subscript(_ k: Int) -> UInt8 { k >= 0 && k < code.count ? code[k] : 0 }

    func line(_ offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi { let mid = (lo + hi + 1) / 2; if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 } }
        return lo + 1
    }

    func text(_ a: Int, _ b: Int) -> String { a < b ? String(decoding: code[a..<b], as: UTF8.self) : "" }

    /// Whether an identifier starts at `k`.
    func wordStarts(at k: Int) -> Bool { Byte.identStart(self[k]) && !Byte.ident(self[k - 1]) }

    func word(at k: Int) -> (String, Int) {
        var e = k
        while e < code.count && Byte.ident(code[e]) { e += 1 }
        return (text(k, e), e)
    }

    /// The identifiers starting in `start..<end`, with their offsets.
    func words(_ start: Int, _ end: Int) -> [(String, Int)] {
        var out: [(String, Int)] = [], k = start
        while k < end {
            guard wordStarts(at: k) else { k += 1; continue }
            let (w, e) = word(at: k)
            out.append((w, k))
            k = e
        }
        return out
    }

    func skip(_ k: Int, newlines: Bool) -> Int {
        var k = k
        while k < code.count && (code[k] == Byte.space || code[k] == Byte.tab || (newlines && code[k] == Byte.newline)) { k += 1 }
        return k
    }

    /// The character before `k`, skipping white space and line breaks.
    func previousNonSpace(_ k: Int) -> UInt8 {
        var j = k - 1
        while j >= 0 && (code[j] == Byte.space || code[j] == Byte.tab || code[j] == Byte.newline) { j -= 1 }
        return self[j]
    }

    /// The offset of the bracket closing the one at `k`.
    func matching(_ k: Int) -> Int {
        var depth = 0, j = k
        while j < code.count {
            if Byte.opening(code[j]) { depth += 1 }
            if Byte.closing(code[j]) { depth -= 1; if depth == 0 { return j } }
            j += 1
        }
        return code.count
    }

    /// Ranges between the commas outside brackets and generic arguments in `start..<end`.
    func split(_ start: Int, _ end: Int) -> [(Int, Int)] {
        var parts: [(Int, Int)] = [], depth = 0, angle = 0, s = start
        for k in start..<Swift.max(start, end) {
            let c = code[k]
            if Byte.opening(c) { depth += 1 } else if Byte.closing(c) { depth -= 1 }
            if c == Byte.less && Byte.ident(self[k - 1]) { angle += 1 }
            if c == Byte.greater && angle > 0 && self[k - 1] != Byte.minus { angle -= 1 }
            if depth == 0 && angle == 0 && c == Byte.comma { parts.append((s, k)); s = k + 1 }
        }
        if text(s, end).contains(where: { !$0.isWhitespace }) { parts.append((s, end)) }
        return parts
    }

    func find(_ needle: String, from start: Int) -> Int? {
        let n = Array(needle.utf8)
        var k = start
        while k + n.count <= code.count {
            if code[k] == n[0] && code[k..<(k + n.count)].elementsEqual(n) { return k }
            k += 1
        }
        return nil
    }

    /// The end of an initialiser or type annotation: a comma, `;` or line end outside
    /// brackets (a line ending in, or followed by one starting with, an operator goes on),
    /// a closing bracket, and in a condition the body's brace or `else`; a type also ends
    /// at `=` or `{`.
    func expressionEnd(from start: Int, conditional: Bool, type: Bool) -> Int {
        var depth = 0, k = start
        while k < code.count {
            let c = code[k]
            if depth == 0 {
                if c == Byte.comma || c == Byte.semicolon || Byte.closing(c) { return k }
                if c == Byte.lbrace && (conditional || type) { return k }
                if type && c == Byte.equals { return k }
                if conditional && wordStarts(at: k) && word(at: k).0 == "else" { return k }
                if c == Byte.newline {
                    let next = self[skip(k, newlines: true)]
                    if !Byte.continues(previousNonSpace(k)) && (!Byte.continues(next) || next == Byte.comma) { return k }
                }
            }
            if Byte.opening(c) { depth += 1 } else if Byte.closing(c) { depth -= 1 }
            k += 1
        }
        return k
    }

    /// The elements of a parenthesised tuple filling `start..<end`, or nil.
    func tupleElements(_ start: Int, _ end: Int) -> [(Int, Int)]? {
        let s = skip(start, newlines: false)
        guard self[s] == Byte.lparen else { return nil }
        let close = matching(s)
        guard text(close + 1, end).allSatisfy(\.isWhitespace) else { return nil }
        return split(s + 1, close)
    }

    /// The leading identifier of `s` ("" when it starts with anything else).
    static func firstWord<S: StringProtocol>(_ s: S) -> String { String(s.prefix { $0.isLetter || $0.isNumber || $0 == "_" }) }

    /// Drops leading attributes, modifiers and `case …:` labels.
    static func strippingModifiers(_ s: String) -> String {
        let modifiers: Set<String> = ["public", "private", "fileprivate", "internal", "package", "open", "static",
                                      "final", "override", "mutating", "nonmutating", "convenience", "required",
                                      "lazy", "nonisolated", "dynamic", "indirect"]
        var t = Substring(s).drop { $0.isWhitespace }
        while true {
            let w = firstWord(t)
            if t.hasPrefix("@") {
                t = t.dropFirst().drop { $0.isLetter || $0 == "_" }
                if t.hasPrefix("("), let close = t.firstIndex(of: ")") { t = t[t.index(after: close)...] }
            } else if modifiers.contains(w)
                        || (w == "class" && ["func", "var", "let"].contains(firstWord(t.dropFirst(5).drop { $0 == " " }))) {
                t = t.dropFirst(w.count)
            } else if w == "case" || w == "default", let colon = t.firstIndex(of: ":") {
                t = t[t.index(after: colon)...]
            } else {
                return String(t)
            }
            t = t.drop { $0.isWhitespace }
        }
    }

    /// Comments and string literals (interpolations included) replaced by spaces.
    static func blanked(_ s: [UInt8]) -> [UInt8] {
        var out = s
        func clear(_ a: Int, _ b: Int) { for k in a..<Swift.min(b, s.count) where out[k] != Byte.newline { out[k] = Byte.space } }
        var i = 0
        while i < s.count {
            let next = i + 1 < s.count ? s[i + 1] : 0
            if s[i] == Byte.slash && next == Byte.slash {
                var j = i
                while j < s.count && s[j] != Byte.newline { j += 1 }
                clear(i, j); i = j
            } else if s[i] == Byte.slash && next == Byte.star {
                var j = i + 2, depth = 1
                while j < s.count && depth > 0 {
                    let n = j + 1 < s.count ? s[j + 1] : 0
                    if s[j] == Byte.slash && n == Byte.star { depth += 1; j += 2 } else if s[j] == Byte.star && n == Byte.slash {
                        depth -= 1; j += 2
                    } else { j += 1 }
                }
                clear(i, j); i = j
            } else if let end = stringEnd(s, i) {
                clear(i, end); i = end
            } else { i += 1 }
        }
        return out
    }

    /// The offset past a string literal (`"…"`, `"""…"""`, `#"…"#`) starting at `i`.
    static func stringEnd(_ s: [UInt8], _ i: Int) -> Int? {
        var j = i
        while j < s.count && s[j] == Byte.hash { j += 1 }
        let hashes = j - i
        guard j < s.count, s[j] == Byte.quote else { return nil }
        let multi = j + 2 < s.count && s[j + 1] == Byte.quote && s[j + 2] == Byte.quote
        let quotes = multi ? 3 : 1
        func closes(_ k: Int) -> Bool {
            guard k + quotes + hashes <= s.count else { return false }
            return (0..<quotes).allSatisfy { s[k + $0] == Byte.quote } && (0..<hashes).allSatisfy { s[k + quotes + $0] == Byte.hash }
        }
        var k = j + quotes
        while k < s.count {
            if s[k] == Byte.backslash && (0..<hashes).allSatisfy({ k + 1 + $0 < s.count && s[k + 1 + $0] == Byte.hash }) {
                let e = k + 1 + hashes
                guard e < s.count, s[e] == Byte.lparen else { k = e + 1; continue }
                var depth = 1
                k = e + 1
                while k < s.count && depth > 0 {
                    if let end = stringEnd(s, k) { k = end; continue }
                    if s[k] == Byte.lparen { depth += 1 } else if s[k] == Byte.rparen { depth -= 1 }
                    k += 1
                }
            } else if closes(k) {
                return k + quotes + hashes
            } else if !multi && s[k] == Byte.newline {
                return k
            } else { k += 1 }
        }
        return s.count
    }
}

/// The ASCII bytes the scanner looks at.
enum Byte {
    static let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
    static let lbrace = UInt8(ascii: "{"), rbrace = UInt8(ascii: "}"), lparen = UInt8(ascii: "("), rparen = UInt8(ascii: ")")
    static let lbracket = UInt8(ascii: "["), rbracket = UInt8(ascii: "]"), less = UInt8(ascii: "<"), greater = UInt8(ascii: ">")
    static let comma = UInt8(ascii: ","), colon = UInt8(ascii: ":"), semicolon = UInt8(ascii: ";"), dot = UInt8(ascii: ".")
    static let equals = UInt8(ascii: "="), quote = UInt8(ascii: "\""), hash = UInt8(ascii: "#"), backslash = UInt8(ascii: "\\")
    static let slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), minus = UInt8(ascii: "-")
    static func ident(_ c: UInt8) -> Bool { identStart(c) || (c >= 48 && c <= 57) || c == UInt8(ascii: "$") }
    static func identStart(_ c: UInt8) -> Bool { c == 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
    static func opening(_ c: UInt8) -> Bool { c == lparen || c == lbracket || c == lbrace }
    static func closing(_ c: UInt8) -> Bool { c == rparen || c == rbracket || c == rbrace }
    /// Characters that carry an expression over a line break when they end or start a line.
    static func continues(_ c: UInt8) -> Bool { c != 0 && Array(".+-*/=?:&|<>,(".utf8).contains(c) }
}
