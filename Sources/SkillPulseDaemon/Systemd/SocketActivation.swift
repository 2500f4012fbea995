import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// Listening sockets systemd passed to this process (`LISTEN_FDS`, `LISTEN_FDNAMES`).
public enum SocketActivation {
    public struct PassedSocket: Sendable, Equatable {
        public let descriptor: Int32
        public let name: String
    }

    /// The passed sockets that are listening Unix stream sockets. Clears the variables so children do not
    /// mistake them for their own.
    public static func passedUnixListeners() -> [PassedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return [] }
        defer {
            if let names {
                for index in 0..<Int(count) { free(names[index]) }
                free(names)
            }
        }
        var sockets: [PassedSocket] = []
        for index in 0..<Int(count) {
            let descriptor = Int32(SD_LISTEN_FDS_START) + Int32(index)
            let name = names?[index].map { String(cString: $0) } ?? "unknown"
            if sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 {
                sockets.append(PassedSocket(descriptor: descriptor, name: name))
            }
        }
        return sockets
    }

    /// The socket named `service` (systemd's `FileDescriptorName=`), or the only one passed if it is unnamed.
    public static func listener(named service: String, among sockets: [PassedSocket]) -> PassedSocket? {
        if let named = sockets.first(where: { $0.name == service }) { return named }
        if sockets.count == 1, ["unknown", "stored", ""].contains(sockets[0].name) { return sockets[0] }
        return nil
    }
}
