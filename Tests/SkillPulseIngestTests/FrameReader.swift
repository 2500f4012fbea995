import NIOCore
@testable import SkillPulseIngest
import SkillPulseWire

/// Reads a subscriber's frames one at a time, as a connection would write them.
final class FrameReader {
    private let source: SubscriberQueue<IngestTopic>
    private var pending: [ByteBuffer] = []

    init(_ source: SubscriberQueue<IngestTopic>) {
        self.source = source
    }

    func next() async -> ByteBuffer? {
        if pending.isEmpty { pending = await source.next() }
        return pending.isEmpty ? nil : pending.removeFirst()
    }
}
