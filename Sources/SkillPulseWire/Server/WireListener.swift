import Foundation
import NIOCore
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

/// Why a listening socket could not be set up: one line naming the path and the cause, and the errno that
/// systemd hears as `ERRNO=`.
public struct ListenerError: Error, CustomStringConvertible {
    public let errno: Int32
    public let description: String

    public init(errno: Int32, description: String) {
        self.errno = errno
        self.description = description
    }

    /// A failed bind(2), told as the operator needs it.
    static func bindFailed(path: String, error: any Error) -> ListenerError {
        let directory = PathInput.directory(of: path)
        guard let ioError = error as? IOError else {
            return ListenerError(errno: EINVAL, description: "cannot listen on \(path): \(error)")
        }
        let code = ioError.errnoCode
        switch code {
        case EACCES, EPERM:
            return ListenerError(errno: code, description: "cannot create the socket \(path): permission denied "
                                 + "(this user may not write to \(directory))")
        case EADDRINUSE:
            return ListenerError(errno: code, description: "the socket \(path) is taken: another process bound it "
                                 + "first; stop it or pass another --listen / --runtime-dir")
        case EROFS:
            return ListenerError(errno: code, description: "cannot create the socket \(path): \(directory) is on a "
                                 + "read-only file system")
        case ENOENT, ENOTDIR:
            return ListenerError(errno: code, description: "cannot create the socket \(path): \(directory) does not exist")
        default:
            return ListenerError(errno: code, description: "cannot listen on \(path): \(String(cString: strerror(code))) "
                                 + "(errno \(code))")
        }
    }
}

enum UnixSocketPath {
    /// A socket file as created: its path and the inode it had then.
    struct Identity: Sendable {
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

    /// Makes `path` ready to bind: checks that it fits a socket address and removes a socket file left by a
    /// dead process — but never one that might still be served. Only ECONNREFUSED proves nobody listens;
    /// EACCES (another user's socket), EAGAIN (a busy daemon's full backlog) and the rest mean "maybe".
    static func prepare(_ path: String) throws(ListenerError) {
        let limit = UnixSocketAddress.maxPathBytes
        guard path.utf8.count <= limit else {
            throw ListenerError(errno: ENAMETOOLONG, description: "the socket path \(path) is \(path.utf8.count) bytes; "
                                + "Unix sockets allow at most \(limit): choose a shorter --runtime-dir or --listen")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ListenerError(errno: EEXIST, description: "\(path) exists and is not a socket; refusing to replace it")
        }
        switch UnixSocketAddress.probe(path) {
        case .listening:
            throw ListenerError(errno: EADDRINUSE, description: "another process is already listening on \(path); "
                                + "stop it first or pass another --listen / --runtime-dir")
        case .absent:
            return
        case .unreachable(let code):
            throw ListenerError(errno: code, description: "\(path) exists and cannot be probed "
                                + "(\(String(cString: strerror(code)))): it may belong to a running daemon, so it is "
                                + "left alone; remove it by hand if it is stale")
        case .stale:
            guard unlink(path) == 0 || Glibc.errno == ENOENT else {
                let code = Glibc.errno
                throw ListenerError(errno: code, description: "cannot remove the stale socket \(path): "
                                    + String(cString: strerror(code)))
            }
        }
    }
}
