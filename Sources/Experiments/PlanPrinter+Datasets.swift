import HistoData

extension Plan {
    /// The plan's datasets, one line each: root, images per class (and per magnification).
    /// Empty when no dataset root exists yet (`--no-check-paths`).
    func renderDatasets() -> String {
        guard !datasets.isEmpty else { return "" }
        return "\ndatasets:\n" + datasets.map { "  \($0.summary)\n" }.joined()
    }
}
