import Foundation
import NIOCore
import SkillPulseWire
import Testing

/// A result encoded on the thread that computed it gives the same reply as one encoded by the server.
struct PreEncodedJSONTests {
    struct Figures: Encodable, Sendable {
        let skill_name: String
        let counts: [Int]
        let rate: Double?
        let note: String
    }

    static func payload(_ frame: ByteBuffer) throws -> JSONValue {
        var frame = frame
        _ = frame.readInteger(as: UInt32.self)
        return try JSONDecoder().decode(JSONValue.self, from: Data(frame.readableBytesView))
    }

    @Test(arguments: [RequestID.integer(7), .string("a \"quoted\" / id"), .null])
    func aPreEncodedResultRepliesAsTheResultWould(id: RequestID) throws {
        let result = Figures(skill_name: "read-file ✓", counts: [1, 2, 3], rate: nil, note: "line\nbreak \u{1}")
        let direct = try Self.payload(WireReply.success(id: id, result: result))
        let outcome = WireOutcome.result(result).preEncoded()
        guard case .result(let encoded) = outcome else {
            Issue.record("pre-encoding failed: \(outcome)")
            return
        }
        #expect(encoded is PreEncodedJSON)
        #expect(try Self.payload(WireReply.success(id: id, result: encoded)) == direct)
        // A JSONValue result (compact writer) too.
        let value: JSONValue = ["a": [1, 2.5, "x"], "b": .null]
        guard case .result(let compact) = WireOutcome.result(value).preEncoded() else { return }
        #expect(try Self.payload(WireReply.success(id: id, result: compact)) == (try Self.payload(WireReply.success(id: id, result: value))))
    }

    @Test func failuresPassThroughUnchanged() {
        guard case .failure(let error) = WireOutcome.failure(.badRequest("params.limit: no")).preEncoded() else {
            Issue.record("a failure was changed")
            return
        }
        #expect(error.code == .badRequest)
    }
}
