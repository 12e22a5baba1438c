import NeuralKit
import TensorKit

/// Parameter counts of a model, by part, for `csit model summary`.
public struct ParameterSummary: Equatable, Sendable {
    /// `(part, count)` in display order; the last row is the total.
    public var rows: [(part: String, count: Int)]

    public static func == (a: Self, b: Self) -> Bool {
        a.rows.map(\.part) == b.rows.map(\.part) && a.rows.map(\.count) == b.rows.map(\.count)
    }

    public var total: Int { rows.last?.count ?? 0 }

    /// Counts for a module by top-level key, grouped into the parts a reader cares about.
    ///
    /// - Parameter groups: `(label, key prefixes)` per part, in order; every key not
    ///   matched lands in "other".
    public init(_ module: Module, groups: [(String, [String])]) {
        var counts = [Int](repeating: 0, count: groups.count)
        var other = 0, total = 0
        for (key, t) in module.namedParameters() {
            total += t.count
            if let i = groups.firstIndex(where: { $0.1.contains { key == $0 || key.hasPrefix($0 + ".") } }) {
                counts[i] += t.count
            } else {
                other += t.count
            }
        }
        rows = zip(groups.map(\.0), counts).filter { $0.1 > 0 }.map { ($0.0, $0.1) }
        if other > 0 { rows.append(("other", other)) }
        rows.append(("total", total))
    }

    /// Rows as an aligned text table with thousands separators.
    public func render() -> String {
        let width = rows.map(\.part.count).max() ?? 0
        return rows.map { row in
            row.part.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: Swift.max(0, 11 - Self.grouped(row.count).count)) + Self.grouped(row.count)
        }.joined(separator: "\n")
    }

    /// `6090570` → `6,090,570`.
    public static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return String(out.reversed())
    }
}

extension CSiTModel {
    /// Parameters per part: tokenizer, special tokens, positional embedding, blocks (and one
    /// block), final norm, backbone subtotal, each head, loss scalars, total.
    public var summary: ParameterSummary {
        var s = ParameterSummary(self, groups: [
            ("tokenizer", ["patch_embed"]), ("tokens", ["rot_token", "contrastive_token"]), ("pos_embed", ["pos_embed"]),
            ("blocks (\(blocks.count))", ["blocks"]), ("final norm", ["norm"]),
            ("attention pool", ["attention_pool"]), ("pre-logits", ["pre_logits_rot", "pre_logits_contrastive"]),
            ("rotation head", ["rot_head"]), ("contrastive head", ["contrastive_head"]),
            ("reconstruction head", ["convTrans"]), ("loss scalars", ["rot_w", "contrastive_w", "recons_w"]),
        ])
        let backbone = s.rows.prefix { ["tokenizer", "tokens", "pos_embed", "final norm"].contains($0.part) || $0.part.hasPrefix("blocks") }
            .reduce(0) { $0 + $1.count }
        if let i = s.rows.firstIndex(where: { $0.part == "final norm" }) {
            s.rows.insert(("  one block", blocks.first?.parameterCount ?? 0), at: i)
            s.rows.insert(("backbone", backbone), at: i + 2)
        }
        return s
    }
}
