#if canImport(Glibc)
import Glibc
#endif

/// A Unix-domain socket address, and the one probe every layer uses to ask "is a daemon listening here?".
public enum UnixSocketAddress {
    /// Calls `body` with `path` as a `sockaddr`; nil when the path does not fit `sun_path`.
    public static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// The longest path `sun_path` holds, without its terminating NUL.
    public static var maxPathBytes: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1 }

    /// What a connect(2) to a socket file says about it.
    public enum ProbeResult: Sendable, Equatable {
        /// Somebody accepted (or queued) the connection.
        case listening
        /// ECONNREFUSED: a socket file nobody listens on, left by a dead process.
        case stale
        /// ENOENT: no file at all.
        case absent
        /// Anything else (EACCES, EAGAIN with a full backlog, …): it cannot be told, so it may be live.
        case unreachable(errno: Int32)
    }

    public static func probe(_ path: String) -> ProbeResult {
        // Non-blocking: a live daemon whose backlog is full makes a blocking connect wait until it accepts
        // (a second instance then hung at start); non-blocking, that is EAGAIN at once — "in use".
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .unreachable(errno: errno) }
        defer { close(fd) }
        guard let result = withAddress(path, { connect(fd, $0, $1) }) else { return .unreachable(errno: ENAMETOOLONG) }
        if result == 0 { return .listening }
        switch errno {
        case ECONNREFUSED: return .stale
        case ENOENT: return .absent
        case let code: return .unreachable(errno: code)
        }
    }

    /// True when something accepts stream connections on `path` (a running daemon, not a stale file).
    public static func isListening(_ path: String) -> Bool {
        probe(path) == .listening
    }
}
