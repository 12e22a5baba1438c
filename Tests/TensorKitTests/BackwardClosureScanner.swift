import Foundation

/// Checks TensorKit's backward-closure rule on source text: a closure passed to
/// `recorded(…)` may not use a raw pointer bound outside it in the recording function.
/// A pointer does not keep its buffer alive, so such a closure can read memory the pool
/// has since handed to another tensor; a pointer derived inside the closure from a
/// captured tensor cannot.
///
/// A lexical scan, not a parser: blocks come from brace matching, and bindings are
/// `let`/`var` declarations (conditions included), function and closure parameters,
/// capture lists and `for` variables, each scoped to its block.
struct BackwardClosureScanner {
    struct Violation: CustomStringConvertible {
        var file: String, line: Int, name: String, boundAt: Int, closureAt: Int
        var description: String {
            "\(file):\(line): the backward closure opened at line \(closureAt) uses `\(name)`, "
                + "a raw pointer bound at line \(boundAt) outside it"
        }
    }

    enum Kind { case function, closure, statement, declaration }
    struct Block { var open: Int, close: Int, parent: Int?, kind = Kind.closure, paramsEnd: Int? = nil }
    struct Binding {
        var name: String, at: Int, scope: Int, isPointer: Bool
        /// Where the name starts to refer to this binding (after its initialiser).
        var from: Int
        /// The binding site also reads an outer variable of the same name (`if let x`, `[x]`).
        var alsoUse = false
    }

    let file: String
    let src: SourceText
    private(set) var blocks: [Block] = []
    private(set) var bindings: [Binding] = []
    /// Blocks of the closures passed to `recorded(…)`.
    private(set) var backwardClosures: [Int] = []
    private var sites: [Int: Int] = [:]   // name offset → binding index

    init(file: String, source: String) {
        self.file = file
        src = SourceText(source)
        var stack: [Int] = []
        for k in 0..<src.count {
            if src[k] == Byte.lbrace {
                blocks.append(Block(open: k, close: src.count, parent: stack.last))
                stack.append(blocks.count - 1)
            } else if src[k] == Byte.rbrace, let b = stack.popLast() {
                blocks[b].close = k
            }
        }
        for b in blocks.indices { classify(b) }
        for b in blocks.indices { bindHeader(b) }
        bindDeclarations()
        findBackwardClosures()
    }

    /// Every use of an outer raw pointer inside a backward closure (the first per name).
    func violations() -> [Violation] {
        var found: [Violation] = []
        for r in backwardClosures {
            guard let f = enclosingFunction(r) else { continue }
            let open = blocks[r].open
            var reported = Set<String>()
            // `[p = x.data]` evaluates the pointer in the forward's scope.
            for b in bindings where b.scope == r && b.from == open && b.isPointer && !b.alsoUse {
                reported.insert(b.name)
                found.append(Violation(file: file, line: src.line(b.at), name: b.name, boundAt: src.line(b.at),
                                       closureAt: src.line(open)))
            }
            for (name, k) in src.words(open + 1, blocks[r].close) {
                let end = k + name.utf8.count
                if src.previousNonSpace(k) == Byte.dot { continue }                  // a member
                if src[end] == Byte.colon && src[end + 1] != Byte.colon { continue }    // a label
                if let s = sites[k], !bindings[s].alsoUse { continue }
                guard let outer = visible(name, at: open), outer.isPointer,
                      outer.scope == f || descends(outer.scope, from: f) else { continue }
                let shadowed = bindings.contains { $0.name == name && $0.at > open && $0.from <= k && contains($0.scope, k) }
                if !shadowed && reported.insert(name).inserted {
                    found.append(Violation(file: file, line: src.line(k), name: name, boundAt: src.line(outer.at),
                                           closureAt: src.line(open)))
                }
            }
        }
        return found
    }

    // MARK: Blocks

    func contains(_ b: Int, _ offset: Int) -> Bool { blocks[b].open < offset && offset < blocks[b].close }

    func descends(_ b: Int, from ancestor: Int) -> Bool {
        var p = blocks[b].parent
        while let q = p { if q == ancestor { return true }; p = blocks[q].parent }
        return false
    }

    func enclosingFunction(_ b: Int) -> Int? {
        var p = blocks[b].parent
        while let q = p { if blocks[q].kind == .function { return q }; p = blocks[q].parent }
        return nil
    }

    func block(openingAt k: Int) -> Int? { blocks.firstIndex { $0.open == k } }

    /// The innermost block holding `offset`.
    func innermost(_ offset: Int) -> Int? { blocks.indices.last { contains($0, offset) } }

    /// The statement before `end`, back to an unmatched bracket, a brace, `;`, a line
    /// break outside brackets, or the parameters of the closure it starts; modifiers and
    /// `case …:` labels dropped from the text.
    func statement(before end: Int) -> (start: Int, text: String) {
        var depth = 0, k = end - 1
        while k >= 0 {
            let c = src[k]
            if c == Byte.rparen || c == Byte.rbracket { depth += 1 } else if c == Byte.lparen || c == Byte.lbracket {
                if depth == 0 { break }
                depth -= 1
            } else if depth == 0 && (c == Byte.lbrace || c == Byte.rbrace || c == Byte.semicolon || c == Byte.newline) { break }
            k -= 1
        }
        var start = k + 1
        if src[k] == Byte.lbrace, let b = block(openingAt: k), let e = blocks[b].paramsEnd { start = Swift.max(start, e) }
        return (start, SourceText.strippingModifiers(src.text(start, end)))
    }

    private mutating func classify(_ b: Int) {
        let head = statement(before: blocks[b].open).text
        switch SourceText.firstWord(head) {
        case "func", "init", "deinit", "subscript", "get", "set", "willSet", "didSet": blocks[b].kind = .function
        case "if", "guard", "for", "while", "switch", "else", "do", "defer", "repeat", "catch": blocks[b].kind = .statement
        case "extension", "struct", "class", "enum", "protocol", "actor": blocks[b].kind = .declaration
        case "let", "var": blocks[b].kind = head.contains(" = ") || head.hasSuffix("=") ? .closure : .function
        default: blocks[b].kind = .closure
        }
        if blocks[b].kind == .closure { blocks[b].paramsEnd = closureSignatureEnd(b) }
    }

    /// The offset after the `in` that ends a closure's capture list and parameters, if any.
    private func closureSignatureEnd(_ b: Int) -> Int? {
        var j = src.skip(blocks[b].open + 1, newlines: true), depth = 0
        if src[j] == Byte.lbracket { j = src.matching(j) + 1 }
        while j < blocks[b].close {
            let c = src[j]
            if c == Byte.lparen { depth += 1 } else if c == Byte.rparen { depth -= 1 }
            if depth == 0 && [Byte.newline, Byte.lbrace, Byte.rbrace, Byte.equals, Byte.semicolon, Byte.lbracket].contains(c) { return nil }
            if depth == 0 && src.wordStarts(at: j) {
                let (w, e) = src.word(at: j)
                if w == "in" { return e }
                if ["for", "let", "var", "if", "return", "case", "guard", "while", "switch"].contains(w) { return nil }
                j = e
            } else { j += 1 }
        }
        return nil
    }

    private mutating func findBackwardClosures() {
        var k = 0
        while let r = src.find("recorded(", from: k) {
            k = r + 9
            guard !Byte.ident(src[r - 1]), !src.text(Swift.max(0, r - 5), r).hasSuffix("func ") else { continue }
            let close = src.matching(r + 8), after = src.skip(close + 1, newlines: false)
            let opener = src[after] == Byte.lbrace
                ? after : src.split(r + 9, close).last.flatMap { s, e in (s..<e).first { src[$0] == Byte.lbrace } }
            if let o = opener, let b = block(openingAt: o) { backwardClosures.append(b) }
        }
    }

    // MARK: Bindings

    private mutating func add(_ name: String, at: Int, scope: Int, pointer: Bool, from: Int, alsoUse: Bool = false) {
        guard !["_", "weak", "unowned", "unsafe", "safe", "inout", "let", "var", "case", "for"].contains(name) else { return }
        bindings.append(Binding(name: name, at: at, scope: scope, isPointer: pointer, from: from, alsoUse: alsoUse))
        sites[at] = bindings.count - 1
    }

    /// The binding `name` refers to at `offset`.
    func visible(_ name: String, at offset: Int) -> Binding? {
        bindings.filter { $0.name == name && $0.from <= offset && contains($0.scope, offset) }.max { $0.at < $1.at }
    }

    /// Parameters of functions and closures, capture lists and `for` variables.
    private mutating func bindHeader(_ b: Int) {
        let open = blocks[b].open
        let head = statement(before: open)
        switch blocks[b].kind {
        case .function:
            guard let kw = src.words(head.start, open).first(where: { ["func", "init", "subscript"].contains($0.0) }),
                  let lp = (kw.1..<open).first(where: { src[$0] == Byte.lparen }) else { return }
            for (s, e) in src.split(lp + 1, src.matching(lp)) {
                guard let colon = (s..<e).first(where: { src[$0] == Byte.colon }), let (name, at) = src.words(s, colon).last
                else { continue }
                add(name, at: at, scope: b, pointer: src.text(colon, e).contains("Pointer"), from: open)
            }
        case .closure:
            guard let end = blocks[b].paramsEnd else { return }
            var k = src.skip(open + 1, newlines: true)
            if src[k] == Byte.lbracket {
                let close = src.matching(k)
                for (s, e) in src.split(k + 1, close) {
                    if let eq = (s..<e).first(where: { src[$0] == Byte.equals }), let (name, at) = src.words(s, eq).last {
                        add(name, at: at, scope: b, pointer: isPointer(eq + 1, e), from: open)
                    } else if let (name, at) = src.words(s, e).last {
                        add(name, at: at, scope: b, pointer: visible(name, at: open)?.isPointer ?? false, from: open, alsoUse: true)
                    }
                }
                k = src.skip(close + 1, newlines: true)
            }
            let unsafeBody = head.text.contains("withUnsafe")
            let params = src[k] == Byte.lparen ? src.split(k + 1, src.matching(k)) : src.split(k, end - 2)
            for (s, e) in params {
                let colon = (s..<e).first(where: { src[$0] == Byte.colon }) ?? e
                if let (name, at) = src.words(s, colon).first {
                    add(name, at: at, scope: b, pointer: unsafeBody || src.text(colon, e).contains("Pointer"), from: open)
                }
            }
        case .statement where SourceText.firstWord(head.text) == "for":
            let pattern = src.words(head.start, open)
            guard let inWord = pattern.first(where: { $0.0 == "in" }) else { return }
            for (name, at) in pattern where at < inWord.1 { add(name, at: at, scope: b, pointer: false, from: open) }
        default: break
        }
    }

    /// `let` and `var` declarations, those in `if`, `guard` and `while` conditions included.
    private mutating func bindDeclarations() {
        for (w, k) in src.words(0, src.count) where w == "let" || w == "var" {
            guard src[k + 3] == Byte.space || src[k + 3] == Byte.lparen else { continue }
            let head = statement(before: k)
            if [Byte.lparen, Byte.lbracket].contains(src[head.start - 1]) { continue }   // a pattern
            let first = SourceText.firstWord(head.text)
            if ["case", "for", "catch"].contains(first) { continue }
            let conditional = ["if", "guard", "while"].contains(first) || head.text.hasPrefix("else if")
            let scope = conditional && first != "guard" ? bodyBlock(after: k) : innermost(k)
            if let scope { declarators(from: k + 3, conditional: conditional, scope: scope) }
        }
    }

    /// Binds `name [: Type] [= value]` or `(a, b) = value`, and in a plain declaration the
    /// comma-separated declarators that follow.
    private mutating func declarators(from start: Int, conditional: Bool, scope: Int) {
        var k = start
        while true {
            k = src.skip(k, newlines: false)
            var names: [(String, Int)]
            if src[k] == Byte.lparen {
                let close = src.matching(k)
                names = src.words(k + 1, close)
                k = close + 1
            } else if src.wordStarts(at: k) {
                let (w, e) = src.word(at: k)
                names = [(w, k)]
                k = e
            } else { return }
            k = src.skip(k, newlines: false)
            var typed = false
            if src[k] == Byte.colon {
                let e = src.expressionEnd(from: k + 1, conditional: conditional, type: true)
                typed = src.text(k + 1, e).contains("Pointer")
                k = e
            }
            if src[k] == Byte.equals && src[k + 1] != Byte.equals {
                let e = src.expressionEnd(from: k + 1, conditional: conditional, type: false)
                let parts = names.count > 1 ? src.tupleElements(k + 1, e) : nil
                for (i, (name, at)) in names.enumerated() {
                    let part = parts.flatMap { i < $0.count ? $0[i] : nil } ?? (k + 1, e)
                    add(name, at: at, scope: scope, pointer: typed || isPointer(part.0, part.1), from: e)
                }
                k = e
            } else {
                for (name, at) in names {   // `if let x` reads the outer `x`
                    let outer = conditional ? visible(name, at: at)?.isPointer ?? false : false
                    add(name, at: at, scope: scope, pointer: typed || outer, from: at + name.utf8.count, alsoUse: conditional)
                }
            }
            k = src.skip(k, newlines: false)
            guard !conditional, src[k] == Byte.comma else { return }
            k = src.skip(k + 1, newlines: true)
        }
    }

    /// Whether `start..<end` yields a raw pointer: it reads `data`, `.base`, `.pointer` or
    /// `.baseAddress`, names an `Unsafe…Pointer` type, or does arithmetic on a bound pointer.
    func isPointer(_ start: Int, _ end: Int) -> Bool {
        let t = src.text(start, end)
        if t.range(of: #"\.(data|base|pointer|baseAddress)\b(?!\s*\()"#, options: .regularExpression) != nil { return true }
        if t.range(of: #"\bUnsafe\w*Pointer\b"#, options: .regularExpression) != nil { return true }
        var depth = 0
        for k in start..<Swift.max(start, end) {
            if Byte.opening(src[k]) { depth += 1 } else if Byte.closing(src[k]) { depth -= 1 }
            guard depth == 0, src.wordStarts(at: k) else { continue }
            let (name, e) = src.word(at: k)
            let next = src[src.skip(e, newlines: false)]
            if src.previousNonSpace(k) == Byte.dot || [Byte.lbracket, Byte.lparen, Byte.dot].contains(next) { continue }
            let binding = visible(name, at: start)
            if binding?.isPointer == true || (binding == nil && ["data", "base"].contains(name)) { return true }   // implicit `self.data`
        }
        return false
    }

    /// The block an `if`/`while` condition at `k` guards: its first brace outside brackets.
    func bodyBlock(after k: Int) -> Int? {
        var depth = 0, j = k
        while j < src.count {
            let c = src[j]
            if c == Byte.lparen || c == Byte.lbracket { depth += 1 } else if c == Byte.rparen || c == Byte.rbracket { depth -= 1 }
            if depth == 0 && c == Byte.lbrace { return block(openingAt: j) }
            j += 1
        }
        return nil
    }
}
