import Foundation

extension ExperimentSpec {
    /// Loads every spec a table column names (`columns[j].spec`), once per path, relative to
    /// the working directory as every other path of a spec. The other spec is validated as
    /// it stands (same environment, none of this spec's `--set` overrides) and its runs are
    /// planned with this plan: a column never trains anything, it reads runs by identity.
    ///
    /// - Throws: `SpecError.missingPath` at the column's `spec` key for a file that does not
    ///   exist, or the other spec's own located error.
    mutating func loadSources(environment: [String: String], checkPaths: Bool) throws {
        let entries = tree["tables"]?.sequenceItems ?? []
        for (i, t) in tables.enumerated() {
            for (j, c) in t.columns.enumerated() {
                guard let path = c.spec, sources[path] == nil else { continue }
                let at = i < entries.count ? entries[i]["columns"]?.sequenceItems[j]["spec"]?.location ?? c.location : c.location
                let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDir.appendingPathComponent(path)
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else {
                    throw SpecError.missingPath(at, path: "tables[\(i)].columns[\(j)].spec", file: path)
                }
                sources[path] = try ExperimentSpec.load(url.path, environment: environment, checkPaths: checkPaths, loadSources: false)
            }
        }
    }
}
