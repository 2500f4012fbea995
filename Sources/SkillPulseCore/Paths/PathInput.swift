/// Turns a path as a user typed it (`--db=~/x.db`, `./run`, `data//skills.db`) into the absolute, tidy path
/// every message names. Pure string work: no file is touched.
public enum PathInput {
    /// Why a typed path cannot be used at all.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The absolute form of `raw`: `~` and `~/…` expand to `home`, a relative path is taken from `workingDirectory`,
    /// and `.`, `..` and repeated slashes are resolved. An empty path is a `Problem` naming `flag`.
    public static func absolute(_ raw: String, flag: String, home: String?, workingDirectory: String)
        throws(Problem) -> String
    {
        guard !raw.isEmpty else { throw Problem(description: "\(flag) is empty: give a path") }
        var path = raw
        if path == "~" || path.hasPrefix("~/") {
            guard let home, home.hasPrefix("/") else {
                throw Problem(description: "\(flag) \(raw) starts with ~ but HOME is not set")
            }
            path = home + path.dropFirst()
        }
        if !path.hasPrefix("/") { path = workingDirectory + "/" + path }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The directory part of a path: what precedes its last component (`/` for a top-level entry, `.` for a
    /// bare name). Pure string work — Foundation's `deletingLastPathComponent` trapped on `.`.
    public static func directory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// `absolute(_:)` for a path that is known not to be empty, with the process's own `HOME` and working
    /// directory; an empty path stays empty (the caller reports it).
    public static func absoluteOrEmpty(_ raw: String, environment: [String: String], workingDirectory: String) -> String {
        (try? absolute(raw, flag: "", home: environment["HOME"], workingDirectory: workingDirectory)) ?? raw
    }
}
