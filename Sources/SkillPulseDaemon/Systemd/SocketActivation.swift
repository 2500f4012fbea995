import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// Sockets systemd passed to this process (`LISTEN_FDS`, `LISTEN_FDNAMES`), and the one rule for using them.
public enum SocketActivation {
    /// One passed descriptor, with what it turned out to be.
    public struct PassedSocket: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case unixStreamListener
            case inetStream
            case other
        }

        public let descriptor: Int32
        public let name: String
        public let kind: Kind
    }

    /// Every passed descriptor. Clears the variables so children do not mistake them for their own.
    public static func passedSockets() -> [PassedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return [] }
        defer {
            if let names {
                for index in 0..<Int(count) { free(names[index]) }
                free(names)
            }
        }
        return (0..<Int(count)).map { index in
            let descriptor = Int32(SD_LISTEN_FDS_START) + Int32(index)
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            let kind: PassedSocket.Kind
            if sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 {
                kind = .unixStreamListener
            } else if sd_is_socket_inet(descriptor, 0, Int32(SOCK_STREAM.rawValue), -1, 0) > 0 {
                kind = .inetStream
            } else {
                kind = .other
            }
            return PassedSocket(descriptor: descriptor, name: name, kind: kind)
        }
    }

    /// Names systemd gives a socket whose unit sets no `FileDescriptorName=`.
    static let unnamed: Set<String> = ["unknown", "stored", ""]

    /// The control socket systemd passed for `service`: the one named `service` (the units'
    /// `FileDescriptorName=`), or the only one passed if it is unnamed; nil when nothing was passed.
    ///
    /// Anything else is refused rather than worked around: binding a socket of our own while keeping a passed
    /// one open would leave the client that triggered the activation hanging on a socket nobody serves.
    public static func controlSocket(for service: String, among sockets: [PassedSocket]) throws(DaemonStartupError)
        -> PassedSocket?
    {
        guard !sockets.isEmpty else { return nil }
        let chosen = sockets.first { $0.name == service }
            ?? (sockets.count == 1 && unnamed.contains(sockets[0].name) ? sockets[0] : nil)
        guard let chosen else {
            let names = sockets.map { "\"\($0.name)\"" }.joined(separator: ", ")
            throw DaemonStartupError(
                "systemd passed \(sockets.count) socket(s) named \(names) but none named \"\(service)\"; set "
                    + "FileDescriptorName=\(service) in the .socket unit (refusing to bind another socket beside it)",
                errno: EBADF)
        }
        guard chosen.kind == .unixStreamListener else {
            let what = chosen.kind == .inetStream ? "a TCP socket" : "not a listening Unix stream socket"
            throw DaemonStartupError(
                "the socket systemd passed as \"\(chosen.name)\" (fd \(chosen.descriptor)) is \(what); \(service) "
                    + "serves its protocol on a Unix stream socket only (ListenStream=/run/skillpulse/\(service).sock)",
                errno: EAFNOSUPPORT)
        }
        let extra = sockets.filter { $0 != chosen }
        guard extra.isEmpty else {
            throw DaemonStartupError(
                "systemd passed sockets \(extra.map { "\"\($0.name)\"" }.joined(separator: ", ")) that \(service) "
                    + "does not serve; remove them from its .socket unit", errno: EBADF)
        }
        return chosen
    }
}
