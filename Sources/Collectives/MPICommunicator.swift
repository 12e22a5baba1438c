import CMPIShim
import Foundation

/// The communicator of a process started by `mpirun` or `srun`: Open MPI's world.
///
/// MPI is initialised with `MPI_THREAD_FUNNELED`, so only the thread that created the
/// communicator (the main thread) may call its collectives; loader threads never do.
/// Gradient reductions run on a duplicate of the world, so non-blocking gradient sums can be
/// in flight while the training loop calls its own collectives. A failing MPI call aborts
/// every rank (MPI's default error handler), so no rank waits for ever.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public let hosts: [String]

    /// Initialises MPI (once per process).
    ///
    /// - Throws: ``CollectivesError/initialisation(_:)`` when MPI cannot start.
    init() throws {
        var r: Int32 = 0, s: Int32 = 0
        var name = [CChar](repeating: 0, count: 256)
        let rc = csit_mpi_init(&r, &s, &name, Int32(name.count))
        guard rc == 0 else { throw CollectivesError.initialisation("MPI_Init_thread failed with code \(rc)") }
        rank = Int(r)
        size = Int(s)
        let host = String(cString: name)
        // Host names of every rank, so provenance can say where the run ran.
        let bytes = Array(host.utf8)
        var lengths = [Int](repeating: 0, count: Int(s))
        lengths.withUnsafeMutableBufferPointer { _ = csit_mpi_allgather_long(0, bytes.count, $0.baseAddress!) }
        let all = Self.allgatherBytes(bytes, counts: lengths).map { String(decoding: $0, as: UTF8.self) }
        hosts = all
    }

    static func check(_ rc: Int32, _ what: String) {
        // Only reachable with a non-fatal error handler; the default aborts inside MPI.
        if rc != 0 { FileHandle.standardError.write(Data("MPI \(what) failed with code \(rc)\n".utf8)); csit_mpi_abort(70) }
    }

    /// Every rank's `values` (rank r sent `counts[r]` of them), one array per rank; `call`
    /// is the MPI all-gather of `send` into `recv` with per-rank counts and displacements.
    static func gathered<T: Numeric>(_ values: [T], counts: [Int],
                                     _ call: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>, UnsafePointer<Int32>, UnsafePointer<Int32>) -> Int32) -> [[T]] {
        var displs: [Int32] = [], total = 0
        for c in counts { displs.append(Int32(total)); total += c }
        let c32 = counts.map { Int32($0) }
        var out = [T](repeating: 0, count: Swift.max(total, 1))
        let rc = values.withUnsafeBufferPointer { send in out.withUnsafeMutableBufferPointer { recv in call(send, recv, c32, displs) } }
        check(rc, "allgatherv")
        var result: [[T]] = [], start = 0
        for c in counts { result.append(Array(out[start..<(start + c)])); start += c }
        return result
    }

    static func allgatherBytes(_ bytes: [UInt8], counts: [Int]) -> [[UInt8]] {
        gathered(bytes, counts: counts) { csit_mpi_allgatherv_bytes(0, $0.baseAddress, Int32($0.count), $1.baseAddress, $2, $3) }
    }

    public func barrier() { Self.check(csit_mpi_barrier(0), "barrier") }

    public func allreduceSum(_ buffer: ReductionBuffer) {
        Self.check(csit_mpi_allreduce_float_sum(0, buffer.storage.baseAddress, buffer.count), "allreduce")
    }

    public func startSum(_ buffer: ReductionBuffer) -> PendingSum {
        precondition(buffer.count <= Int(Int32.max), "one non-blocking sum holds at most 2^31 − 1 floats")
        var request: UnsafeMutableRawPointer?
        Self.check(csit_mpi_iallreduce_float_sum(1, buffer.storage.baseAddress, Int32(buffer.count), &request), "iallreduce")
        // The closures keep the buffer alive until the reduction is done.
        return PendingSum(test: {
            var done: Int32 = 0
            Self.check(csit_mpi_test(request, &done), "test")
            _ = buffer
            return done != 0
        }, wait: {
            Self.check(csit_mpi_wait(request), "wait")
            _ = buffer
        })
    }

    public func allreduce(_ values: inout [Double], _ op: Reduction) {
        let rc = values.withUnsafeMutableBufferPointer { csit_mpi_allreduce_double(0, $0.baseAddress, Int32($0.count), op.rawValue) }
        Self.check(rc, "allreduce")
    }

    func counts(_ n: Int) -> [Int] {
        var out = [Int](repeating: 0, count: size)
        out.withUnsafeMutableBufferPointer { _ = csit_mpi_allgather_long(0, n, $0.baseAddress!) }
        return out
    }

    public func allgather(_ values: [Float]) -> [[Float]] {
        Self.gathered(values, counts: counts(values.count)) {
            csit_mpi_allgatherv_float(0, $0.baseAddress, Int32($0.count), $1.baseAddress, $2, $3)
        }
    }

    public func allgather(bytes: [UInt8]) -> [[UInt8]] { Self.allgatherBytes(bytes, counts: counts(bytes.count)) }

    public func broadcast(_ bytes: inout [UInt8], root: Int) {
        let rc = bytes.withUnsafeMutableBytes { csit_mpi_bcast_bytes(0, $0.baseAddress, $0.count, Int32(root)) }
        Self.check(rc, "broadcast")
    }

    public func abort(status: Int32) -> Never {
        csit_mpi_abort(status)
        exit(status)
    }
}

/// Why the processes of a run could not be joined.
public enum CollectivesError: Error, CustomStringConvertible, Equatable {
    case initialisation(String)
    /// A global batch that does not split evenly over the processes.
    case indivisibleBatch(batch: Int, processes: Int)

    public var description: String {
        switch self {
        case .initialisation(let m): return "cannot start MPI: \(m)"
        case let .indivisibleBatch(b, p):
            return "batch_size \(b) does not divide over \(p) processes: choose a batch size that is a multiple of \(p), or \(p) processes that divide \(b)"
        }
    }
}
