import Foundation
import FuzzDriver
import HistoData

/// Any bytes as a JPEG file: decode must return an image or an ImageError (no crash, no
/// allocation beyond the pixel cap).
@_cdecl("FuzzJPEG_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    csit_fuzz_run(argc, argv) { data, size in fuzz(data!, size) }
}

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("csit-fuzz-\(getpid()).jpeg")
    try? Data(bytes: data, count: size).write(to: url)
    _ = try? ImageDecoder.decode(url)
    return 0
}
