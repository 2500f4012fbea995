import NIOCore

/// What the frame decoder hands up the pipeline: a frame's payload, or the reason the stream is unusable.
public enum InboundFrame: Sendable {
    case payload(ByteBuffer)
    /// A length of 0 or over the limit: nothing after it can be trusted, so the connection ends after the reply.
    case invalid(WireError)
}

/// Splits a byte stream into frames: a 4-byte big-endian length N, then N bytes.
///
/// An oversized length is reported as soon as the header arrives, without buffering the payload, so a peer
/// cannot make the server hold gigabytes by announcing them.
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = InboundFrame

    public let maxFrameLength: Int
    private var failed = false

    public init(maxFrameLength: Int) {
        self.maxFrameLength = maxFrameLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> InboundFrame? {
        if failed {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return nil
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return nil
        }
        if length == 0 || Int(length) > maxFrameLength {
            failed = true
            buffer.moveReaderIndex(to: buffer.writerIndex)
            let why = length == 0
                ? "frame length is 0; a frame carries one JSON object (1…\(maxFrameLength) bytes)"
                : "frame length \(length) exceeds the limit of \(maxFrameLength) bytes"
            return .invalid(WireError(.badFrame, why))
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length)).map(InboundFrame.payload)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> InboundFrame? {
        if let frame = try decode(buffer: &buffer) { return frame }
        // The peer's sending side closed in the middle of a frame. It may still be reading (a half-close), so
        // it is told why nothing more will be answered, and the connection ends after that reply.
        let leftover = buffer.readableBytes
        buffer.moveReaderIndex(to: buffer.writerIndex)
        guard leftover > 0, !failed else { return nil }
        failed = true
        return .invalid(WireError(.badFrame, "the connection's sending side closed in the middle of a frame "
                                      + "(\(leftover) bytes of it arrived); nothing more is answered on this connection"))
    }
}

/// Builds outbound frames: the length prefix followed by the payload.
public enum WireFrame {
    /// 8 MiB: a `track_batch` of 10,000 typical invocations (~300 bytes each) is ~3 MB.
    public static let defaultMaxLength = 8 << 20

    public static func make(payload: some Sequence<UInt8>, allocator: ByteBufferAllocator = ByteBufferAllocator())
        -> ByteBuffer
    {
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeInteger(UInt32(0))
        let written = buffer.writeBytes(payload)
        buffer.setInteger(UInt32(written), at: 0)
        return buffer
    }

    /// A whole frame (length prefix and payload) as plain bytes, for clients that write to a socket directly.
    public static func bytes(payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + payload
    }
}
