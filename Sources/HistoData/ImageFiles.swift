import Foundation

/// Finding image files on disk.
public enum ImageFiles {
    /// Every image file below `root` (recursive; by extension, case-insensitive), sorted by
    /// path; hidden files and folders are skipped. Symbolic links are followed (datasets on
    /// shared storage are often linked into place), each folder visited once, so a link loop
    /// ends; paths stay as seen under `root`.
    ///
    /// - Throws: `ImageError.unreadable` when `root` is not a readable folder.
    public static func list(under root: URL) throws -> [URL] {
        guard isDirectory(root) else { throw ImageError.unreadable(path: root.path, reason: "not a folder") }
        var out: [URL] = []
        // The root's ancestors count as visited: a link back up to one of them is a loop.
        var visited = Set<FileID>()
        var up = root.standardizedFileURL.deletingLastPathComponent()
        while true {
            var st = stat()
            if stat(up.path, &st) == 0 { visited.insert(FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))) }
            if up.path == "/" || up.path.isEmpty { break }
            up = up.deletingLastPathComponent()
        }
        try walk(root, into: &out, visited: &visited, isRoot: true)
        return out.sorted { $0.path < $1.path }
    }

    /// Device and inode of a file or folder (after links).
    struct FileID: Hashable { var device: UInt64, inode: UInt64 }

    static func walk(_ dir: URL, into out: inout [URL], visited: inout Set<FileID>, isRoot: Bool) throws {
        var st = stat()
        guard stat(dir.path, &st) == 0 else { return }
        guard visited.insert(FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))).inserted else { return }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir.path) } catch {
            if isRoot { throw ImageError.unreadable(path: dir.path, reason: "cannot list the folder") }
            return
        }
        for name in names.sorted() where !name.hasPrefix(".") {
            let url = dir.appendingPathComponent(name)
            var entry = stat()
            guard stat(url.path, &entry) == 0 else { continue }   // a dangling link
            switch entry.st_mode & S_IFMT {
            case S_IFDIR: try walk(url, into: &out, visited: &visited, isRoot: false)
            case S_IFREG where ImageDecoder.extensions.contains(url.pathExtension.lowercased()): out.append(url)
            default: continue
            }
        }
    }

    /// True when `url` is a folder or a link to one.
    public static func isDirectory(_ url: URL) -> Bool {
        var st = stat()
        return stat(url.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// `url`'s path relative to `root` (or the full path when it is not below it).
    public static func relativePath(_ url: URL, to root: URL) -> String {
        let r = root.standardizedFileURL.path, p = url.standardizedFileURL.path
        let prefix = r.hasSuffix("/") ? r : r + "/"
        return p.hasPrefix(prefix) ? String(p.dropFirst(prefix.count)) : p
    }
}
