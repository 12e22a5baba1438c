import Foundation
import CSiTKit
import Evaluation
import TensorKit
/// Placeholder until the report module lands.
enum RunReport { static func write(config: RunConfig, records: [EpochRecord], metrics: ClassificationMetrics?, model: CSiTModel, runDir: URL) throws {} }
