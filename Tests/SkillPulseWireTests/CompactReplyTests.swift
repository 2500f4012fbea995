import Foundation
import NIOCore
import SkillPulseWire
import Testing

/// Replies whose result writes its own JSON must read exactly like the JSONEncoder ones.
struct CompactReplyTests {
    struct Stored: CompactJSONEncodable {
        let ids: [Int64]
        let duplicate: Bool

        func writeJSON(to buffer: inout ByteBuffer) {
            buffer.writeStaticString(#"{"ids":["#)
            for (index, id) in ids.enumerated() {
                if index > 0 { buffer.writeStaticString(",") }
                buffer.writeJSONInteger(id)
            }
            buffer.writeStaticString(duplicate ? #"],"duplicate":true}"# : #"],"duplicate":false}"#)
        }
    }

    /// The same result through JSONEncoder, for comparison.
    struct Plain: Encodable {
        let ids: [Int64]
        let duplicate: Bool
    }

    static func payload(_ frame: ByteBuffer) throws -> JSONValue {
        var frame = frame
        let prefix = frame.readInteger(as: UInt32.self)
        let length = try #require(prefix)
        #expect(Int(length) == frame.readableBytes, "the length prefix must match the payload")
        return try JSONDecoder().decode(JSONValue.self, from: Data(frame.readableBytesView))
    }

    @Test(arguments: [
        RequestID.integer(0), .integer(-7), .integer(Int64.max), .string("req-1"), .string(""),
        .string(#"quote " and \ backslash"#), .string("caf\u{E9}\n"), .null,
    ])
    func compactAndEncoderRepliesAgree(id: RequestID) throws {
        for result in [Stored(ids: [], duplicate: false), Stored(ids: [1, 2, Int64.max], duplicate: true)] {
            let compact = try Self.payload(WireReply.success(id: id, result: result))
            let plain = try Self.payload(WireReply.success(id: id, result: Plain(ids: result.ids, duplicate: result.duplicate)))
            #expect(compact == plain)
            #expect(compact["ok"] == .bool(true))
        }
    }
}
