import Foundation

/// The demo-size experiment spec the runner and Slurm tests share: csit-tiny at 32 px on
/// the NCT-layout fixture, 3 folds.
enum TinySpec {
    /// Writes the spec into `dir` and returns its path.
    ///
    /// - Parameters:
    ///   - withSSL: add an SSL block (pretraining on the fixture images) and the ssl-ft mode.
    ///   - extra: YAML appended at the end (tables, sweeps).
    static func write(name: String = "tiny", results: String, in dir: URL, file: String = "tiny.yaml",
                      withSSL: Bool = false, epochs: Int = 1, extra: String = "") throws -> String {
        let ssl = withSSL ? """

        ssl:
          dataset: {kind: unlabeled, root: Tests/HistoDataTests/Fixtures/nct}
          epochs: 1
          batch_size: 9
        """ : ""
        let text = """
        name: \(name)
        results: \(results)
        dataset:
          kind: nct
          root: Tests/HistoDataTests/Fixtures/nct
        protocol:
          folds: 3
        model:
          preset: csit-tiny
          image_size: 32
          token_stride: 8\(ssl)
        modes: [\(withSSL ? "ft, ssl-ft" : "ft")]
        train:
          epochs: \(epochs)
          batch_size: 6
          warmup_epochs: 0
          mixup: 0
          cutmix: 0
        \(extra)
        """
        let url = dir.appendingPathComponent(file)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
