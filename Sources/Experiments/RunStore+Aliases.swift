import Foundation

extension RunStore {
    /// The folder of readable links to run folders: `runs/by-label/<alias> → ../<id>`.
    public var aliasesDir: URL { root.appendingPathComponent("runs/by-label") }

    /// A run's readable name from its spec entry: mode, fold, zoom, label fraction, seed
    /// (when not 0) and the sweep point's values (`ssl-ft_fold0_lr3.0e-3`).
    public static func alias(_ l: RunLabel) -> String {
        var parts = [l.mode]
        if let f = l.fold { parts.append("fold\(f)") }
        if let z = l.zoom { parts.append(z) }
        if l.labelFraction < 1 { parts.append("labels\(String(format: "%g", l.labelFraction * 100))pct") }
        if l.seed != 0 { parts.append("seed\(l.seed)") }
        for point in sweepAssignments(l.sweep) {
            let kv = point.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { continue }
            // A list value ([rotation, contrastive]) reads as rotation+contrastive.
            let value = kv[1].filter { !"[] ".contains($0) }.replacingOccurrences(of: ",", with: "+")
            parts.append((kv[0].split(separator: ".").last.map(String.init) ?? kv[0]) + value)
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+")
        return String(parts.joined(separator: "_").map { allowed.contains($0) ? $0 : "-" })
    }

    /// The `path=value` assignments of a sweep label, split at the commas between them (not
    /// those inside a list value).
    static func sweepAssignments(_ label: String) -> [String] {
        var out: [String] = [], current = "", depth = 0
        for ch in label {
            if ch == "[" { depth += 1 } else if ch == "]" { depth -= 1 }
            if ch == ",", depth == 0 { out.append(current); current = "" } else { current.append(ch) }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Points `by-label/<alias>` at the run's folder for each of its spec entries (replacing
    /// a link of that name atomically). Best effort: a filesystem without symbolic links
    /// keeps the run folders as they are.
    public func linkAliases(_ id: String, labels: [RunLabel]) {
        let fm = FileManager.default
        try? fm.createDirectory(at: aliasesDir, withIntermediateDirectories: true)
        for alias in Set(labels.map(Self.alias)) {
            // A name another run holds (labels that read alike) gets this run's id beside it.
            let taken = (try? fm.destinationOfSymbolicLink(atPath: aliasesDir.appendingPathComponent(alias).path)).map { $0 != "../\(id)" } ?? false
            let name = taken ? "\(alias)_\(id.prefix(8))" : alias
            let link = aliasesDir.appendingPathComponent(name)
            let temporary = aliasesDir.appendingPathComponent(".\(name).\(getpid()).tmp")
            try? fm.removeItem(at: temporary)
            guard (try? fm.createSymbolicLink(atPath: temporary.path, withDestinationPath: "../\(id)")) != nil else { continue }
            if rename(temporary.path, link.path) != 0 { try? fm.removeItem(at: temporary) }
        }
    }
}
