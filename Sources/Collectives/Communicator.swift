import TensorKit

/// The processes of one data-parallel run and the collectives csit needs between them.
///
/// Every rank calls the same collectives in the same order (MPI's rule); a rank that fails
/// calls ``abort(status:)`` so no other rank waits in a collective for ever. Two
/// implementations: ``SingleProcess`` (the default: a process not started by `mpirun` or
/// `srun`) and ``MPICommunicator``; ``World/current`` picks one from the launcher's
/// environment.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, 0 ..< size; rank 0 writes the run folder.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// The host each rank runs on, in rank order.
    var hosts: [String] { get }

    /// Returns when every rank has called it.
    func barrier()
    /// Sums `buffer` over all ranks, in place (every rank ends with the sum).
    func allreduceSum(_ buffer: ReductionBuffer)
    /// Starts summing `buffer` over all ranks without waiting; the buffer must not be
    /// touched until the returned reduction is done. Progresses whenever ``PendingSum/test()``
    /// or another collective is called.
    func startSum(_ buffer: ReductionBuffer) -> PendingSum
    /// Reduces `values` over all ranks, in place.
    func allreduce(_ values: inout [Double], _ op: Reduction)
    /// Every rank's `values` (lengths may differ), in rank order.
    func allgather(_ values: [Float]) -> [[Float]]
    /// Every rank's bytes, in rank order.
    func allgather(bytes: [UInt8]) -> [[UInt8]]
    /// Replaces `bytes` on every rank by those of `root` (lengths must match).
    func broadcast(_ bytes: inout [UInt8], root: Int)
    /// Stops every rank of the run with `status` (MPI_Abort). Does not return.
    func abort(status: Int32) -> Never
}

/// How ``Communicator/allreduce(_:_:)`` combines values.
public enum Reduction: Int32, Sendable {
    case sum = 0, max = 1, min = 2
}

/// A non-blocking sum in flight.
public final class PendingSum: @unchecked Sendable {
    private var test_: () -> Bool
    private var wait_: () -> Void
    private(set) public var isDone = false

    /// - Parameters:
    ///   - test: progresses the reduction; true once it finished.
    ///   - wait: blocks until it finished.
    public init(test: @escaping () -> Bool, wait: @escaping () -> Void) {
        (test_, wait_) = (test, wait)
    }

    /// A sum that finished when it started (one process).
    public static var done: PendingSum {
        let p = PendingSum(test: { true }, wait: {})
        p.isDone = true
        return p
    }

    /// Drives the reduction on; true once it has finished.
    @discardableResult
    public func test() -> Bool {
        if !isDone { isDone = test_() }
        return isDone
    }

    /// Blocks until the reduction has finished.
    public func wait() {
        if !isDone { wait_(); isDone = true }
    }
}

extension Communicator {
    /// True for rank 0, the rank that writes files.
    public var isRoot: Bool { rank == 0 }

    /// The distinct hosts, in order of first rank.
    public var distinctHosts: [String] {
        var seen = Set<String>()
        return hosts.filter { seen.insert($0).inserted }
    }

    /// Sums `values` over ranks in place.
    public func allreduceSum(_ values: inout [Float]) {
        let b = ReductionBuffer(values)
        allreduceSum(b)
        values = b.values
    }

    /// The sum of one value over ranks.
    public func sum(_ value: Double) -> Double {
        var v = [value]
        allreduce(&v, .sum)
        return v[0]
    }

    /// Rank `root`'s `flag` on every rank (a decision one rank takes for all).
    public func broadcast(_ flag: Bool, root: Int = 0) -> Bool {
        var b: [UInt8] = [flag ? 1 : 0]
        broadcast(&b, root: root)
        return b[0] != 0
    }

    /// True on every rank when `flag` is true on any.
    public func any(_ flag: Bool) -> Bool {
        var v = [flag ? 1.0 : 0.0]
        allreduce(&v, .max)
        return v[0] > 0
    }
}
