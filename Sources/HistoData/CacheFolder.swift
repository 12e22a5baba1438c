import Foundation

/// The user's cache folder for csit: `CSIT_CACHE_DIR`, else `$XDG_CACHE_HOME/csit`, else
/// `~/.cache/csit`. Holds what can be recomputed (timing calibration, slide tile indexes).
public enum CacheFolder {
    /// The folder (not created here).
    public static var url: URL {
        let env = ProcessInfo.processInfo.environment
        if let d = env["CSIT_CACHE_DIR"], !d.isEmpty { return URL(fileURLWithPath: d) }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("csit") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/csit")
    }
}
