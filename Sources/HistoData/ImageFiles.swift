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
        try walk(root).files
    }

    /// Entries below `root` that look like images but cannot be read by their name, with
    /// why: a link to nothing, or a name that is not UTF-8. Listing skips them (training
    /// could not open them); `csit data check` names them.
    ///
    /// - Throws: `ImageError.unreadable` when `root` is not a readable folder.
    public static func unreadable(under root: URL) throws -> [(path: String, reason: String)] {
        try walk(root).skipped.sorted { $0.path < $1.path }
    }

    /// The files below `root`, sorted, and the entries skipped.
    static func walk(_ root: URL) throws -> (files: [URL], skipped: [(path: String, reason: String)]) {
        guard isDirectory(root) else { throw ImageError.unreadable(path: root.path, reason: "not a folder") }
        var walker = Walker()
        // The root's ancestors count as visited: a link back up to one of them is a loop.
        var up = root.standardizedFileURL.deletingLastPathComponent()
        while true {
            var st = stat()
            if stat(up.path, &st) == 0 { walker.visited.insert(FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))) }
            if up.path == "/" || up.path.isEmpty { break }
            up = up.deletingLastPathComponent()
        }
        try walker.walk(root, isRoot: true)
        return (walker.files.sorted { $0.path < $1.path }, walker.skipped)
    }

    /// Device and inode of a file or folder (after links).
    struct FileID: Hashable { var device: UInt64, inode: UInt64 }

    /// One folder walk: each folder visited once, so a link loop ends.
    struct Walker {
        var visited = Set<FileID>()
        var files: [URL] = []
        var skipped: [(path: String, reason: String)] = []

        mutating func walk(_ dir: URL, isRoot: Bool) throws {
            var st = stat()
            guard stat(dir.path, &st) == 0 else { return }
            guard visited.insert(FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))).inserted else { return }
            // readdir, not FileManager: a name that is not UTF-8 is seen (and reported), not dropped.
            guard let handle = opendir(dir.path) else {
                if isRoot { throw ImageError.unreadable(path: dir.path, reason: "cannot list the folder") }
                return
            }
            var names: [String] = []
            while let entry = readdir(handle) {
                let raw = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                guard let name = String(validating: raw, as: UTF8.self) else {
                    let shown = String(decoding: raw, as: UTF8.self)
                    skipped.append((dir.appendingPathComponent(shown).path, "the file name is not UTF-8: rename it"))
                    continue
                }
                names.append(name)
            }
            closedir(handle)
            for name in names.sorted() where !name.hasPrefix(".") {
                let url = dir.appendingPathComponent(name)
                var entry = stat()
                guard stat(url.path, &entry) == 0 else {
                    if ImageDecoder.extensions.contains(url.pathExtension.lowercased()) {
                        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)).map { " (\($0))" } ?? ""
                        skipped.append((url.path, "a link to nothing\(target)"))
                    }
                    continue
                }
                switch entry.st_mode & S_IFMT {
                case S_IFDIR: try walk(url, isRoot: false)
                case S_IFREG where ImageDecoder.extensions.contains(url.pathExtension.lowercased()): files.append(url)
                default: continue
                }
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
