import Foundation

/// The communicator of a process that runs alone: every collective is the identity. Used
/// whenever a process was not started by `mpirun` or `srun`, so every single-process command
/// behaves as it did before data parallelism existed.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var hosts: [String] { [ProcessInfo.processInfo.hostName] }
    public func barrier() {}
    public func allreduceSum(_ buffer: ReductionBuffer) {}
    public func startSum(_ buffer: ReductionBuffer) -> PendingSum { .done }
    public func allreduce(_ values: inout [Double], _ op: Reduction) {}
    public func allgather(_ values: [Float]) -> [[Float]] { [values] }
    public func allgather(bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    public func broadcast(_ bytes: inout [UInt8], root: Int) {}
    public func abort(status: Int32) -> Never { exit(status) }
}
