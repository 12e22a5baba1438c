import ArgumentParser
import CProcessShim
import Dispatch
import Foundation

/// How `csit` finds itself and how its children stay tied to their runner.
enum ChildProcess {
    /// This executable's path, to start `csit run --run` children with.
    ///
    /// - Throws: `ValidationError` when the running binary cannot be located.
    static func executablePath() throws -> String {
        if let url = Bundle.main.executableURL { return url.resolvingSymlinksInPath().path }
        let arg0 = CommandLine.arguments[0]
        if arg0.contains("/") { return URL(fileURLWithPath: arg0).resolvingSymlinksInPath().path }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(arg0)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path }
        }
        throw ValidationError("cannot locate the csit executable to start runs with (argv[0] = \(arg0))")
    }

    /// A `csit run --run` child takes the default action on SIGINT and SIGTERM (a runner that
    /// ignores them to handle them itself may have passed that on) until it installs its
    /// stop-signal handler, and, when started by a runner (`CSIT_PARENT_PID`), gets SIGTERM
    /// when the runner dies (it then checkpoints and stops) and exits at once if the runner
    /// is already gone.
    static func dieWithParent() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        guard let parent = ProcessInfo.processInfo.environment["CSIT_PARENT_PID"].flatMap(Int32.init) else { return }
        _ = csit_die_with_parent(SIGTERM)
        if getppid() != parent {
            FileHandle.standardError.write(Data("csit: the runner (pid \(parent)) is gone; not starting\n".utf8))
            exit(143)
        }
    }
}

/// Turns SIGINT/SIGTERM into a call on a dispatch queue instead of the default exit, so the
/// runner can stop its children and leave the results folder consistent.
final class SignalForwarder: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var _received: Int32?

    /// The first signal received, if any.
    var received: Int32? { lock.lock(); defer { lock.unlock() }; return _received }

    init(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                let first = self._received == nil
                if first { self._received = sig }
                self.lock.unlock()
                FileHandle.standardError.write(Data("csit: signal \(sig): stopping the running runs (they resume from their last checkpoint)\n".utf8))
                handler(sig)
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { for s in sources { s.cancel() } }
}
