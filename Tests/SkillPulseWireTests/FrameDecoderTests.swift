import NIOCore
import NIOEmbedded
import SkillPulseCore
import SkillPulseWire
import Testing

/// `FrameDecoder` in a real `ByteToMessageHandler`, fed through an `EmbeddedChannel`.
struct FrameDecoderTests {
    enum Decoded: Equatable {
        case payload([UInt8])
        case invalid(WireErrorCode, String)
    }

    static func channel(limit: Int) -> EmbeddedChannel {
        EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameLength: limit)))
    }

    static func bytes(_ values: [UInt8]) -> ByteBuffer {
        ByteBuffer(bytes: values)
    }

    static func header(_ length: UInt32) -> [UInt8] {
        [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)]
    }

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        header(UInt32(payload.count)) + payload
    }

    /// Everything the decoder has passed up so far.
    static func drain(_ channel: EmbeddedChannel) throws -> [Decoded] {
        var out: [Decoded] = []
        while let frame = try channel.readInbound(as: InboundFrame.self) {
            switch frame {
            case .payload(let buffer): out.append(.payload(Array(buffer.readableBytesView)))
            case .invalid(let error): out.append(.invalid(error.code, error.message))
            }
        }
        return out
    }

    @Test func oneFrameInOneRead() throws {
        let channel = Self.channel(limit: 64)
        try channel.writeInbound(Self.bytes(Self.frame(Array("{\"id\":1}".utf8))))
        #expect(try Self.drain(channel) == [.payload(Array("{\"id\":1}".utf8))])
        #expect(try channel.finish().isClean)
    }

    @Test func severalFramesInOneRead() throws {
        let channel = Self.channel(limit: 64)
        let payloads: [[UInt8]] = [[1], [2, 2], Array(repeating: 3, count: 64), [4, 4, 4, 4]]
        try channel.writeInbound(Self.bytes(payloads.flatMap(Self.frame)))
        #expect(try Self.drain(channel) == payloads.map(Decoded.payload))
        #expect(try channel.finish().isClean)
    }

    @Test func aFrameSplitIntoSingleBytes() throws {
        let channel = Self.channel(limit: 64)
        let payload = Array("hello, frames".utf8)
        let stream = Self.frame(payload)
        for (index, byte) in stream.enumerated() {
            try channel.writeInbound(Self.bytes([byte]))
            let decoded = try Self.drain(channel)
            #expect(decoded == (index == stream.count - 1 ? [.payload(payload)] : []), "after byte \(index)")
        }
        #expect(try channel.finish().isClean)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func framesSplitAcrossArbitraryReads(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let limit = 300
        let channel = Self.channel(limit: limit)
        let payloads: [[UInt8]] = (0..<200).map { _ in
            let length = [1, 2, 3, 4, 5, limit, limit - 1, Int.random(in: 1...limit, using: &rng)]
                .randomElement(using: &rng)!
            return (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        let stream = payloads.flatMap(Self.frame)
        var decoded: [Decoded] = []
        var position = 0
        while position < stream.count {
            // Reads of 1 byte, a few bytes (splitting headers), or large chunks spanning several frames.
            let size = [1, 2, 3, 4, 5, 7, 64, 513, 2000].randomElement(using: &rng)!
            let end = min(stream.count, position + Int.random(in: 1...size, using: &rng))
            try channel.writeInbound(Self.bytes(Array(stream[position..<end])))
            decoded += try Self.drain(channel)
            position = end
        }
        #expect(decoded.count == payloads.count)
        #expect(decoded == payloads.map(Decoded.payload))
        #expect(try channel.finish().isClean)
    }

    @Test func zeroLengthIsBadFrameAndNothingIsDecodedAfterIt() throws {
        let channel = Self.channel(limit: 64)
        // A good frame, then a 0 length, then what would be good frames in the same read.
        try channel.writeInbound(Self.bytes(Self.frame([1]) + Self.header(0) + Self.frame([2]) + Self.frame([3])))
        let decoded = try Self.drain(channel)
        #expect(decoded.count == 2)
        #expect(decoded.first == .payload([1]))
        guard case .invalid(let code, let message) = decoded.last else {
            Issue.record("expected .invalid, got \(decoded)")
            return
        }
        #expect(code == .badFrame)
        #expect(message.contains("0"))
        // Later reads are swallowed.
        try channel.writeInbound(Self.bytes(Self.frame([4, 4])))
        try channel.writeInbound(Self.bytes(Self.header(0)))
        #expect(try Self.drain(channel).isEmpty)
        _ = try channel.finish()
        #expect(try Self.drain(channel).isEmpty)
    }

    @Test func oversizedLengthIsReportedAsSoonAsTheHeaderArrives() throws {
        let channel = Self.channel(limit: 1024)
        try channel.writeInbound(Self.bytes([0, 0]))
        #expect(try Self.drain(channel).isEmpty)
        try channel.writeInbound(Self.bytes([0x04, 0x01]))  // 1025: one byte over, no payload sent
        let decoded = try Self.drain(channel)
        #expect(decoded.count == 1)
        guard case .invalid(let code, let message) = decoded.first else {
            Issue.record("expected .invalid, got \(decoded)")
            return
        }
        #expect(code == .badFrame)
        #expect(message.contains("1025"))
        #expect(message.contains("1024"))
        // The payload that follows (and anything else) is discarded, not buffered or decoded.
        try channel.writeInbound(Self.bytes(Array(repeating: 7, count: 1025) + Self.frame([1])))
        #expect(try Self.drain(channel).isEmpty)
        _ = try channel.finish()
    }

    @Test func hugeAnnouncedLengthsDoNotWaitForTheirPayload() throws {
        let channel = Self.channel(limit: WireFrame.defaultMaxLength)
        try channel.writeInbound(Self.bytes(Self.header(UInt32.max)))
        guard case .invalid(.badFrame, _)? = try Self.drain(channel).first else {
            Issue.record("expected bad_frame for a 4 GiB announcement")
            return
        }
        _ = try channel.finish()
    }

    @Test func exactlyTheLimitIsAccepted() throws {
        let limit = 4096
        let channel = Self.channel(limit: limit)
        let payload = (0..<limit).map { UInt8(truncatingIfNeeded: $0) }
        try channel.writeInbound(Self.bytes(Self.frame(payload)))
        try channel.writeInbound(Self.bytes(Self.frame([9])))
        #expect(try Self.drain(channel) == [.payload(payload), .payload([9])])
        #expect(try channel.finish().isClean)
    }

    /// A peer that half-closes mid-frame may still read: it is told why nothing more is answered.
    @Test(arguments: [[UInt8]([0]), [0, 0, 0], [0, 0, 0, 5], [0, 0, 0, 5, 1, 2, 3, 4]])
    func aTruncatedFrameAtEOFIsABadFrame(tail: [UInt8]) throws {
        let channel = Self.channel(limit: 64)
        try channel.writeInbound(Self.bytes(Self.frame([1, 2]) + tail))
        #expect(try Self.drain(channel) == [.payload([1, 2])])
        _ = try channel.finish()  // would throw leftoverDataWhenDone if the tail were kept
        let last = try Self.drain(channel)
        #expect(last.count == 1)
        guard case .invalid(let code, let message)? = last.first else { return }
        #expect(code == .badFrame)
        #expect(message.contains("\(tail.count) bytes of it arrived"), "\(message)")
        try channel.throwIfErrorCaught()
    }

    @Test func completeFramesStillArriveWhenEOFFollowsImmediately() throws {
        let channel = Self.channel(limit: 64)
        try channel.writeInbound(Self.bytes(Self.frame([1]) + Self.frame([2]) + [0, 0]))
        _ = try channel.finish()
        let decoded = try Self.drain(channel)
        #expect(decoded.prefix(2) == [.payload([1]), .payload([2])])
        #expect(decoded.count == 3, "the cut-off third frame is reported: \(decoded)")
    }

    @Test func outboundFramesCarryABigEndianLength() {
        for length in [1, 255, 256, 300, 65_536, 70_000] {
            let payload = [UInt8](repeating: 0x61, count: length)
            var frame = WireFrame.make(payload: payload)
            #expect(frame.readableBytes == length + 4)
            #expect(Array(frame.readableBytesView.prefix(4)) == Self.header(UInt32(length)))
            #expect(frame.readInteger(endianness: .big, as: UInt32.self) == UInt32(length))
            #expect(Array(frame.readableBytesView) == payload)
        }
    }

    @Test func outboundFramesDecodeBack() throws {
        let channel = Self.channel(limit: 1 << 16)
        let payloads = [Array("{}".utf8), Array(repeating: UInt8(0x20), count: 1000), Array("{\"x\":\"ü\"}".utf8)]
        for payload in payloads {
            try channel.writeInbound(WireFrame.make(payload: payload))
        }
        #expect(try Self.drain(channel) == payloads.map(Decoded.payload))
        #expect(try channel.finish().isClean)
    }
}
