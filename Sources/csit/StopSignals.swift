import CProcessShim
import Foundation

/// SIGTERM, SIGUSR1 and SIGINT for a process that trains: the first one is recorded by a
/// sigaction handler (which does nothing else), and the training loop polls it after each
/// step, writes a checkpoint and stops; the command then exits `preemptedExitStatus` (75).
/// Repeated signals change nothing (a runner resends its signal until the child exits).
enum StopSignals {
    /// Installs the handler (once per process; later calls do nothing more).
    static func install() {
        guard !installed else { return }
        installed = true
        if csit_stop_signals_install() != 0 {
            FileHandle.standardError.write(Data("csit: warning: cannot install the stop-signal handler; a signal kills the run at once\n".utf8))
        }
    }

    private static var installed = false

    /// The first stop signal received, if any.
    static func received() -> Int32? {
        let s = csit_stop_signal()
        return s == 0 ? nil : s
    }
}
