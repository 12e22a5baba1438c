import Foundation
import Training

/// Progress of one slide on stderr: a live line with tiles/s and ETA on a terminal, a
/// plain line every 10 s otherwise.
final class SlideProgress {
    let name: String
    let interactive = isatty(FileHandle.standardError.fileDescriptor) != 0
    let start = Date()
    var lastPlain = Date.distantPast

    init(name: String) { self.name = name }

    func update(done: Int, total: Int, new: Int) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = new > 0 && elapsed > 0 ? Double(new) / elapsed : 0
        let eta = rate > 0 ? ProgressReporter.duration(Double(total - done) / rate) : "--"
        let line = String(format: "%@: %d/%d tiles (%.0f%%)  %.1f tiles/s  ETA %@", name, done, total,
                          total == 0 ? 100.0 : 100 * Double(done) / Double(total), rate, eta)
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else if Date().timeIntervalSince(lastPlain) >= 10 || done == total {
            FileHandle.standardError.write(Data((line + "\n").utf8))
            lastPlain = Date()
        }
    }

    func finish(_ text: String) {
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + "\(name): \(text)\n").utf8))
    }

    /// This process's peak resident memory (`getrusage` ru_maxrss, KiB on Linux) in MiB.
    static func peakRSSMiB() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_maxrss) / 1024
    }
}
