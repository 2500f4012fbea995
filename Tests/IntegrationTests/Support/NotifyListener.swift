import Foundation
import SkillPulseCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's NOTIFY_SOCKET.
final class NotifyListener: @unchecked Sendable {
    // @unchecked: the descriptor is only read by one test task at a time; recv(2) itself is thread-safe.
    let path: String
    let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        let bound = UnixSocketAddress.withAddress(path) { bind(fd, $0, $1) } ?? -1
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Collects datagrams until one contains `needle` or `timeout` passes.
    func waitFor(_ needle: String, timeout: Duration = .seconds(30), seen: inout [String]) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                let message = String(decoding: buffer[0..<count], as: UTF8.self)
                seen.append(message)
                if message.contains(needle) { return true }
            }
        }
        return false
    }
}


extension NotifyListener {
    /// Every datagram that arrives within `duration`.
    func collect(for duration: Duration) -> [String] {
        var seen: [String] = []
        _ = waitFor("\u{0}never\u{0}", timeout: duration, seen: &seen)
        return seen
    }
}

extension NotifyListener {
    /// `collect(for:)` on a thread of its own, so the test's cooperative pool stays free meanwhile.
    func collected(for duration: Duration) async -> [String] {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.collect(for: duration)) }.start()
        }
    }

    /// `waitFor` on a thread of its own; returns whether `needle` arrived and everything seen.
    func waited(for needle: String, timeout: Duration = .seconds(30)) async -> (Bool, [String]) {
        await withCheckedContinuation { continuation in
            Thread {
                var seen: [String] = []
                let found = self.waitFor(needle, timeout: timeout, seen: &seen)
                continuation.resume(returning: (found, seen))
            }.start()
        }
    }
}
