import Foundation
import FuzzDriver
import TensorKit

/// Any bytes as a safetensors file: read must return tensors or a SafeTensorsError.
@_cdecl("FuzzSafeTensors_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    csit_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = FuzzFile.url("safetensors")
    try? Data(bytes: data, count: size).write(to: url)
    _ = try? SafeTensors.read(url)
    return 0
}

/// One scratch file per fuzzing process.
enum FuzzFile {
    static func url(_ ext: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("csit-fuzz-\(getpid()).\(ext)")
    }
}
