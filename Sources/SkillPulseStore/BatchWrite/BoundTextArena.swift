/// Bytes of the texts bound to one statement, copied into large blocks that never move, so SQLite can read
/// them in place (SQLITE_STATIC) until the statement has run. Freed with the arena.
final class BoundTextArena {
    private static let blockSize = 64 << 10
    private var blocks: [UnsafeMutableRawPointer] = []
    private var free: UnsafeMutableRawPointer?
    private var remaining = 0

    /// A stable copy of `bytes` (not NUL-terminated: it is bound with its length).
    func copy(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar> {
        if bytes.count > remaining {
            let size = max(Self.blockSize, bytes.count)
            let block = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 1)
            blocks.append(block)
            free = block
            remaining = size
        }
        let destination = free!
        destination.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        free = destination + bytes.count
        remaining -= bytes.count
        return UnsafePointer(destination.assumingMemoryBound(to: CChar.self))
    }

    deinit {
        blocks.forEach { $0.deallocate() }
    }
}
