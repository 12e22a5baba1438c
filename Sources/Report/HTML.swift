import Foundation

/// A tiny HTML builder: escaped text, elements with attributes in the order given (so the
/// same input always writes the same bytes), and the page skeleton every report page shares.
public enum HTML {
    /// `text` with `& < > " '` escaped: safe as element content and inside quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// `<name attr="value"…>content</name>`; `content` is already HTML (escape text first).
    /// Attributes with a nil value are left out.
    public static func element(_ name: String, _ attributes: [(String, String?)] = [], _ content: String = "") -> String {
        "<\(name)\(attrs(attributes))>\(content)</\(name)>"
    }

    /// A void element (`<img …>`, `<meta …>`, `<input …>`).
    public static func void(_ name: String, _ attributes: [(String, String?)]) -> String {
        "<\(name)\(attrs(attributes))>"
    }

    static func attrs(_ attributes: [(String, String?)]) -> String {
        attributes.compactMap { k, v in v.map { " \(k)=\"\(escape($0))\"" } }.joined()
    }

    /// A relative path as a URL: each component percent-encoded (a table named `Table 1 (%)`
    /// or `demo #1` still links to its file), `/` kept.
    public static func path(_ p: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%;")
        return p.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0) }.joined(separator: "/")
    }

    /// An HTML id from any text: letters, digits, `-` and `_` kept, the rest `-`.
    public static func slug(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "-" })
    }

    /// `<a href=…>text</a>` with `text` escaped.
    public static func link(_ href: String, _ text: String, title: String? = nil) -> String {
        element("a", [("href", href), ("title", title)], escape(text))
    }

    /// A table: header cells escaped, body cells already HTML.
    public static func table(header: [String], rows: [[String]], attributes: [(String, String?)] = []) -> String {
        let head = element("thead", [], element("tr", [], header.map { element("th", [], escape($0)) }.joined()))
        let body = element("tbody", [], rows.map { r in element("tr", [], r.map { element("td", [], $0) }.joined()) }.joined(separator: "\n"))
        return element("table", attributes, head + "\n" + body)
    }

    /// A report page: the shared stylesheet and script (at `prefix` + `assets/`), a navigation
    /// bar and `body`. `prefix` is `""` for pages in `report/`, `"../"` one level down.
    public static func page(title: String, prefix: String, active: String, body: String) -> String {
        let nav = [("index.html", "Tables"), ("runs.html", "Runs"), ("compare.html", "Compare")].map { href, text in
            element("a", [("href", prefix + href), ("class", text == active ? "active" : nil)], escape(text))
        }.joined(separator: " ")
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <link rel="stylesheet" href="\(prefix)assets/report.css">
        <script src="\(prefix)assets/report.js" defer></script>
        </head>
        <body>
        <nav><span class="brand">csit report</span> \(nav)</nav>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// A number as the report shows metrics: 4 decimals, `–` for none.
    public static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "–" }
        return String(format: "%.4f", v)
    }

    /// A note line with Markdown's `code` and **bold** as HTML (everything else escaped).
    public static func inlineMarkdown(_ line: String) -> String {
        var out = "", code = false, rest = Substring(line)
        while let ch = rest.first {
            if ch == "`" { out += code ? "</code>" : "<code>"; code.toggle(); rest.removeFirst(); continue }
            if !code, rest.hasPrefix("**"), let close = rest.dropFirst(2).range(of: "**") {
                out += "<strong>" + HTML.escape(String(rest.dropFirst(2)[..<close.lowerBound])) + "</strong>"
                rest = rest[close.upperBound...]
                continue
            }
            out += HTML.escape(String(ch))
            rest.removeFirst()
        }
        return out + (code ? "</code>" : "")
    }
}
