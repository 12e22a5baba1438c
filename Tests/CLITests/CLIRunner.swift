import Foundation
import XCTest

/// Runs the built `csit` executable and compares its output with golden files.
enum CLIRunner {
    /// The `csit` binary next to the test bundle (`.build/<config>/csit`).
    static var executable: URL {
        var dir = Bundle.module.bundleURL
        while dir.pathComponents.count > 1 {
            dir.deleteLastPathComponent()
            let candidate = dir.appendingPathComponent("csit")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue {
                return candidate
            }
        }
        fatalError("csit executable not found next to \(Bundle.module.bundleURL.path)")
    }

    /// The package root (tests run commands from there, as a user would).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The plan's calibration cache of the commands tests run.
    static let calibrationCache = FileManager.default.temporaryDirectory.appendingPathComponent("csit-calibration-\(getpid())")

    /// Runs `csit args…`; returns the exit status and stdout + stderr.
    ///
    /// - Parameter launcher: a command that starts `csit` (`mpirun -np 2`), empty for none.
    static func run(_ args: [String], environment: [String: String] = [:], launcher: [String] = []) throws -> (status: Int32, output: String) {
        let (p, pipe) = try start(args, environment: environment, launcher: launcher)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Starts `csit args…` in the background (one thread, from the package root); its
    /// stdout and stderr go to the returned pipe.
    /// The line of `csit status` output that starts with the run's id ("" when none does).
    static func statusLine(_ output: String, _ id: String) -> String {
        output.split(separator: "\n").first { $0.hasPrefix(id) }.map(String.init) ?? ""
    }

    static func start(_ args: [String], environment: [String: String] = [:], launcher: [String] = []) throws -> (Process, Pipe) {
        let p = Process()
        if let first = launcher.first {
            p.executableURL = URL(fileURLWithPath: first)
            p.arguments = Array(launcher.dropFirst()) + [executable.path] + args
        } else {
            p.executableURL = executable
            p.arguments = args
        }
        var env = ProcessInfo.processInfo.environment
        env["CSIT_THREADS"] = "1"
        // The plan's calibration cache: one per test process, not the user's.
        env["CSIT_CACHE_DIR"] = calibrationCache.path
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.currentDirectoryURL = repositoryRoot
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        return (p, pipe)
    }

    /// Compares `text` with `Golden/<name>`; `CSIT_UPDATE_GOLDEN=1` rewrites the file in the source tree.
    static func assertGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let golden = Bundle.module.resourceURL!.appendingPathComponent("Golden/\(name)")
        if ProcessInfo.processInfo.environment["CSIT_UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
            try text.write(to: source, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        XCTAssertEqual(text, expected, "output differs from Golden/\(name)", file: file, line: line)
    }
}
