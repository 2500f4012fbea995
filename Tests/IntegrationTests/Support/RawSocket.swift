import Foundation
import SkillPulseCore
#if canImport(Glibc)
import Glibc
#endif

/// A blocking Unix-socket peer that sends arbitrary bytes and reads frames by hand — for misbehaving clients.
final class RawSocket: Sendable {
    let fd: Int32

    init(path: String, receiveTimeout: TimeInterval = 10) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawSocketError.system("socket", errno) }
        let connected = UnixSocketAddress.withAddress(path) { connect(fd, $0, $1) } ?? -1
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw RawSocketError.system("connect", code)
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Writes all of `bytes`; returns false if the peer closed.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    func sendFrame(_ payload: [UInt8]) {
        send(Self.header(UInt32(payload.count)) + payload)
    }

    func sendJSON(_ text: String) { sendFrame(Array(text.utf8)) }

    static func header(_ length: UInt32) -> [UInt8] {
        [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
    }

    /// Reads one frame and parses it as a JSON object; nil when the peer closed (or the read timed out).
    func readFrame() -> [String: Any]? {
        guard let header = readExactly(4) else { return nil }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard let payload = readExactly(length) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any]
    }

    /// True once the peer has closed its side (read returns 0).
    func isClosedByPeer() -> Bool {
        var byte: UInt8 = 0
        return read(fd, &byte, 1) == 0
    }

    private func readExactly(_ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = buffer[offset...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got <= 0 { return nil }
            offset += got
        }
        return buffer
    }
}

enum RawSocketError: Error {
    case system(String, Int32)
}
