import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A small tmpfs mounted for one test, so that a daemon's database can run out of disk for real: `fill()`
/// takes every free byte with a file of the test's own (never a database file), `free()` gives them back.
/// The tests run as root (as the `setpriv` ones do); the mount goes away with the value.
final class SizeLimitedFileSystem {
    let directory: TemporaryDirectory
    let mountPoint: String
    var fillerPath: String { mountPoint + "/filler" }

    init(megabytes: Int) throws {
        directory = try TemporaryDirectory("small-fs")
        mountPoint = directory.path("fs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                              ["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mount tmpfs: \(mounted.stderr)")
    }

    func path(_ name: String) -> String { mountPoint + "/" + name }

    /// Bytes still free on the file system.
    var freeBytes: Int {
        var info = statvfs()
        guard statvfs(mountPoint, &info) == 0 else { return -1 }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Writes the filler until the file system refuses another byte; returns its size.
    @discardableResult
    func fill() throws -> Int {
        let descriptor = Glibc.open(fillerPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        try #require(descriptor >= 0, "cannot create \(fillerPath): errno \(errno)")
        defer { close(descriptor) }
        var total = 0
        for chunk in [1 << 20, 64 << 10, 4 << 10, 512, 1] {
            let zeros = [UInt8](repeating: 0, count: chunk)
            while true {
                let written = zeros.withUnsafeBytes { write(descriptor, $0.baseAddress, chunk) }
                if written <= 0 { break }
                total += written
                if written < chunk { break }
            }
        }
        return total
    }

    /// Removes the filler: the space is free again.
    func free() throws {
        try FileManager.default.removeItem(atPath: fillerPath)
    }

    deinit {
        // Lazy: a daemon that still has a file open here (a failed test) must not keep the mount alive.
        _ = try? Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["umount", "-l", mountPoint])
    }
}
