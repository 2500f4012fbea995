#if canImport(Glibc)
import Glibc
#endif

/// A start-up failure: one line on stderr naming the path and the cause, `STATUS=`/`ERRNO=` to systemd,
/// and a non-zero exit.
public struct DaemonStartupError: Error, CustomStringConvertible {
    public let description: String
    /// What systemd records as the failure's `ERRNO=` (shown by `systemctl status`).
    public let errno: Int32

    public init(_ description: String, errno: Int32 = EINVAL) {
        self.description = description
        self.errno = errno
    }
}
