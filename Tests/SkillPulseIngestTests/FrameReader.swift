import NIOCore
@testable import SkillPulseIngest

/// Reads a subscriber's frames one at a time, as a connection would write them.
final class FrameReader {
    private let source: SubscriberQueue
    private var pending: [ByteBuffer] = []

    init(_ source: SubscriberQueue) {
        self.source = source
    }

    func next() async -> ByteBuffer? {
        if pending.isEmpty { pending = await source.next() }
        return pending.isEmpty ? nil : pending.removeFirst()
    }
}
