import Foundation

/// Finding image files on disk.
public enum ImageFiles {
    /// Every image file below `root` (recursive; by extension, case-insensitive), sorted by
    /// path; hidden files and folders are skipped.
    ///
    /// - Throws: `ImageError.unreadable` when `root` is not a readable folder.
    public static func list(under root: URL) throws -> [URL] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw ImageError.unreadable(path: root.path, reason: "not a folder")
        }
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else {
            throw ImageError.unreadable(path: root.path, reason: "cannot list the folder")
        }
        var out: [URL] = []
        for case let url as URL in walker where ImageDecoder.extensions.contains(url.pathExtension.lowercased()) {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { out.append(url) }
        }
        return out.sorted { $0.path < $1.path }
    }

    /// `url`'s path relative to `root` (or the full path when it is not below it).
    public static func relativePath(_ url: URL, to root: URL) -> String {
        let r = root.standardizedFileURL.path, p = url.standardizedFileURL.path
        let prefix = r.hasSuffix("/") ? r : r + "/"
        return p.hasPrefix(prefix) ? String(p.dropFirst(prefix.count)) : p
    }
}
