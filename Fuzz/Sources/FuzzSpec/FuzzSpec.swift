import Experiments
import Foundation
import FuzzDriver

/// Any bytes as a spec: parse, validate and plan must end in a spec or a SpecError, never a
/// crash, a hang or unbounded memory. Specs whose dataset roots exist on this machine are
/// parsed and validated but not planned: planning lists their folders, and a root of `/`
/// would have the fuzzer walk the whole filesystem (Crashes/FuzzSpec/timeout-root-…).
@_cdecl("FuzzSpec_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    csit_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(bytes: UnsafeBufferPointer(start: data, count: size), encoding: .utf8) else { return 0 }
    if let spec = try? ExperimentSpec.parse(text, file: "fuzz.yaml", environment: ["CSIT_DATA": "/data"], checkPaths: false),
       !spec.namesExistingData {
        _ = try? Plan.make(spec)
    }
    return 0
}
