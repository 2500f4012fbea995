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

    /// The directory part of an absolute path (`/` for a top-level entry).
    public static func directory(of absolutePath: String) -> String {
        guard let slash = absolutePath.lastIndex(of: "/"), slash != absolutePath.startIndex else { return "/" }
        return String(absolutePath[..<slash])
    }
}
