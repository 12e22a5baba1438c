import Collectives
import TensorKit
import XCTest

/// The launcher's environment decides the communicator and the thread count.
final class WorldTests: XCTestCase {
    func testLaunchedSizeFromEachLauncher() {
        XCTAssertEqual(World.launchedSize([:]), 1)
        XCTAssertEqual(World.launchedSize(["OMPI_COMM_WORLD_SIZE": "4"]), 4)
        XCTAssertEqual(World.launchedSize(["PMI_SIZE": "3"]), 3)
        // srun: a job step has SLURM_STEP_ID; the batch shell (one process) does not.
        XCTAssertEqual(World.launchedSize(["SLURM_STEP_ID": "0", "SLURM_STEP_NUM_TASKS": "8", "SLURM_NTASKS": "8"]), 8)
        XCTAssertEqual(World.launchedSize(["SLURM_NTASKS": "8", "SLURM_JOB_ID": "12"]), 1)
    }

    func testThreadsShareTheNodeUnlessToldOtherwise() {
        let mpi = ["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"]
        XCTAssertEqual(World.defaultThreads(mpi, cores: 16), 8)
        XCTAssertEqual(World.defaultThreads(["SLURM_STEP_ID": "1", "SLURM_STEP_TASKS_PER_NODE": "4(x2)"], cores: 16), 4)
        XCTAssertEqual(World.defaultThreads(mpi, cores: 1), 1)
        XCTAssertEqual(World.threads(requested: 3, mpi), 3)
        XCTAssertNil(World.threads(requested: nil, mpi.merging(["CSIT_THREADS": "5"]) { $1 }), "CSIT_THREADS is the engine's to read")
        XCTAssertNil(World.threads(requested: nil, [:]), "one process: the engine's default")
        XCTAssertNotNil(World.threads(requested: nil, mpi))
    }

    func testSingleProcessCollectivesAreTheIdentity() {
        let c = SingleProcess()
        XCTAssertEqual(c.rank, 0)
        XCTAssertEqual(c.size, 1)
        var v: [Float] = [1, 2, 3]
        c.allreduceSum(&v)
        XCTAssertEqual(v, [1, 2, 3])
        XCTAssertEqual(c.allgather([4, 5]), [[4, 5]])
        XCTAssertTrue(c.startSum(ReductionBuffer([1])).isDone)
        XCTAssertTrue(c.any(true))
        XCTAssertFalse(c.any(false))
    }
}

/// The gradient averager on one process is plain backward, and its buckets cover every
/// parameter once, in reverse order.
final class GradientAveragerTests: XCTestCase {
    func testBucketsCoverEveryParameterInReverseOrder() {
        let ps = (0..<5).map { Tensor(repeating: 1, shape: [300_000 + $0], requiresGrad: true) }
        let a = GradientAverager(parameters: ps, communicator: SingleProcess(), bucketBytes: 2 << 20)
        XCTAssertEqual(a.bucketParameters.flatMap { $0.map { ObjectIdentifier($0) } }, ps.reversed().map { ObjectIdentifier($0) })
        XCTAssertGreaterThan(a.bucketParameters.count, 1)
        XCTAssertEqual(a.statistics.bytesPerStep, ps.reduce(0) { $0 + $1.count } * 4)
        let x = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        let b = GradientAverager(parameters: [x], communicator: SingleProcess())
        b.backward((x * x).sum())
        XCTAssertEqual(x.grad?.scalars, [2, 4, 6])
    }

    /// Backward hands each leaf over once, with its gradient already final: a leaf used
    /// twice gets both contributions before its call.
    func testLeafReadyComesOnceWithTheFinalGradient() {
        let w = Tensor([2], shape: [1], requiresGrad: true)
        let v = Tensor([3], shape: [1], requiresGrad: true)
        let loss = (w * v + w * w).sum()
        var seen: [ObjectIdentifier: [Float]] = [:]
        loss.backward { leaf in
            XCTAssertNil(seen[ObjectIdentifier(leaf)], "called twice")
            seen[ObjectIdentifier(leaf)] = leaf.grad?.scalars
        }
        XCTAssertEqual(seen[ObjectIdentifier(w)], [3 + 4])
        XCTAssertEqual(seen[ObjectIdentifier(v)], [2])
    }
}

/// Row selections draw what the whole batch draws.
final class RowSelectionTests: XCTestCase {
    func testDropPathAndDropoutOfAShareEqualThoseRowsOfTheWhole() {
        let whole = Tensor((0..<(8 * 6)).map { Float($0 + 1) }, shape: [8, 6])
        var r1 = RNG(seed: 9, stream: "t"), r2 = r1
        let all = whole.dropPath(0.5, rng: &r1)
        let rows = [2, 3, 6, 7]
        let share = whole.gatherRows(rows).dropPath(0.5, rng: &r2, rows: RowSelection(indices: rows, total: 8))
        XCTAssertEqual(share.scalars, all.gatherRows(rows).scalars)
        XCTAssertNotEqual(all.scalars, whole.scalars, "something was dropped")
        var d1 = RNG(seed: 4, stream: "d"), d2 = d1
        let dropped = whole.dropout(0.3, rng: &d1)
        let droppedShare = whole.gatherRows(rows).dropout(0.3, rng: &d2, rows: RowSelection(indices: rows, total: 8))
        XCTAssertEqual(droppedShare.scalars, dropped.gatherRows(rows).scalars)
    }
}
