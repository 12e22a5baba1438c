import Collectives
import Experiments
import Foundation
import HistoData
import Training

/// How a command that trains ends on the ranks of a data-parallel run.
enum RankFailure {
    /// Runs `body`; under several processes any error stops every rank at once
    /// (MPI_Abort), so no rank waits for ever in a collective, even when an error that
    /// should be shared reached one rank only. An error every rank sees alike (a non-finite
    /// global loss, a batch that does not divide, a bad setting or dataset) is printed by
    /// rank 0 alone; an error of one rank (an unreadable image in its share, a full disk) by
    /// that rank, naming it.
    static func guarding(_ body: () throws -> Void) throws {
        let world = World.current
        guard world.size > 1 else { return try body() }
        do {
            try body()
        } catch {
            if !isShared(error) {
                let host = world.hosts.indices.contains(world.rank) ? world.hosts[world.rank] : "?"
                FileHandle.standardError.write(Data("Error (rank \(world.rank) of \(world.size), \(host)): \(error)\n".utf8))
            } else if world.isRoot {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            }
            world.abort(status: 1)
        }
    }

    /// Errors every rank throws at the same point, from numbers they agreed on.
    static func isShared(_ error: Error) -> Bool {
        if error is CollectivesError || error is RunConfigError || error is DatasetError { return true }
        if let e = error as? RunnerError, case .dependency = e { return true }
        if let e = error as? TrainingError {
            switch e {
            case .nonFinite, .ranksDiverged, .tooFewImages, .tooFewClasses, .incompatibleCheckpoint, .cannotExtend: return true
            }
        }
        return false
    }

    /// A progress reporter for rank 0 only (one progress line per run, not one per rank).
    static func reporter(prefix: String = "") -> ProgressReporter? {
        World.current.isRoot ? ProgressReporter(prefix: prefix) : nil
    }
}
