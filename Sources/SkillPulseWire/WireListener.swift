import Foundation
import SkillPulseCore
#if canImport(Glibc)
import Glibc
#endif

/// Where a server listens: a path it binds itself, or a socket systemd already bound and passed in.
public enum WireListener: Sendable, CustomStringConvertible {
    case path(String, mode: mode_t = 0o660)
    case inherited(descriptor: Int32, name: String)

    public var description: String {
        switch self {
        case .path(let path, _): return path
        case .inherited(let descriptor, let name): return "systemd socket \(name) (fd \(descriptor))"
        }
    }
}

/// Errors while preparing a listening socket.
public struct ListenerError: Error, CustomStringConvertible {
    public let description: String
}

enum UnixSocketPath {
    /// A socket file as created: its path and the inode it had then.
    struct Identity {
        let path: String
        let device: UInt64
        let inode: UInt64
    }

    static func identity(of path: String) -> Identity? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Identity(path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Unlinks the file only if it is still the one `identity` describes.
    static func remove(_ identity: Identity) {
        guard let current = self.identity(of: identity.path),
              current.device == identity.device, current.inode == identity.inode
        else { return }
        unlink(identity.path)
    }

    /// Removes a socket file left by a dead process, but never one somebody is still listening on.
    static func removeIfStale(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ListenerError(description: "\(path) exists and is not a socket; refusing to replace it")
        }
        if isListening(path) {
            throw ListenerError(description: "another process is already listening on \(path)")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw ListenerError(description: "cannot remove stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func isListening(_ path: String) -> Bool {
        UnixSocketAddress.isListening(path)
    }
}
