import CSiTKit
import Foundation

/// A bad `--where`, `--sort` or `--columns` of `csit runs`.
public struct RunListingError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

extension RunListing {
    /// The `key=value` conditions of one `--where` argument: split at the commas that start
    /// another `key=`, so a value may hold commas (`tasks=rotation,contrastive`).
    public static func conditions(_ argument: String) -> [String] {
        var out: [String] = []
        for piece in argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let startsKey = piece.contains("=") && !piece.hasPrefix("[") && piece.prefix { $0 != "=" }.allSatisfy { $0.isLetter || $0.isNumber || "_.-".contains($0) }
            if startsKey || out.isEmpty { out.append(piece) } else { out[out.count - 1] += "," + piece }
        }
        return out
    }

    /// The rows whose every `key=value` condition holds (numbers compare as numbers, so
    /// `lr=3e-3` matches 0.003).
    ///
    /// - Throws: `RunListingError` for a condition without `=` or on a column no run has.
    public func filtered(_ conditions: [String]) throws -> RunListing {
        var out = self
        for c in conditions {
            let parts = c.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw RunListingError(description: "--where '\(c)': expected key=value, e.g. mode=ssl-ft")
            }
            try check(parts[0], option: "--where")
            out.rows = out.rows.filter { r in
                switch r.cells[parts[0]] {
                case .text(let t)?: return Self.sameText(t, parts[1])
                case .number(let n)?: return Double(parts[1]).map { abs($0 - n) <= 1e-12 * max(1, abs(n)) } ?? false
                case nil: return parts[1] == "" || parts[1] == "none"
                }
            }
        }
        return out
    }

    /// Text values match ignoring list brackets and spaces (`[rotation, contrastive]`
    /// matches `rotation,contrastive`).
    static func sameText(_ a: String, _ b: String) -> Bool {
        let plain = { (s: String) in s.filter { !"[] ".contains($0) } }
        return a == b || plain(a) == plain(b)
    }

    /// Rows sorted by `key` (`-key`: descending); runs without the value last.
    ///
    /// - Throws: `RunListingError` for a column no run has.
    public func sorted(by key: String) throws -> RunListing {
        let descending = key.hasPrefix("-")
        let name = descending ? String(key.dropFirst()) : key
        try check(name, option: "--sort")
        var out = self
        func before(_ a: Cell?, _ b: Cell?) -> Bool {
            switch (a, b) {
            case let (.number(x)?, .number(y)?): return descending ? x > y : x < y
            case let (.text(x)?, .text(y)?): return descending ? x > y : x < y
            case (.number?, .text?): return true
            case (.text?, .number?): return false
            case (_?, nil): return true
            default: return false
            }
        }
        out.rows = rows.enumerated().sorted { l, r in
            let (a, b) = (l.element.cells[name], r.element.cells[name])
            if a == b { return l.offset < r.offset }
            return before(a, b)
        }.map(\.element)
        return out
    }

    /// - Throws: `RunListingError` naming the column and the ones there are.
    func check(_ column: String, option: String) throws {
        let known = availableColumns + Self.labelColumns
        guard known.contains(column) else {
            let hint = known.closest(to: column).map { " (did you mean '\($0)'?)" } ?? ""
            throw RunListingError(description: "\(option): no column '\(column)'\(hint); see csit runs --help for the columns")
        }
    }

    /// Checks `columns` and returns them (the default columns when empty).
    public func columns(_ requested: [String]) throws -> [String] {
        guard !requested.isEmpty else { return defaultColumns }
        for c in requested { try check(c, option: "--columns") }
        return requested
    }
}
