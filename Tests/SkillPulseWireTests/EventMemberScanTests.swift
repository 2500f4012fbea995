import Foundation
import NIOCore
@testable import SkillPulseWire
import Testing

/// The follower's hot path reads event frames member by member; it must see what the full parser sees, and
/// decline what it cannot read.
struct EventMemberScanTests {
    static func members(_ text: String, under key: String = "data") -> [String: JSONValue]? {
        var result: [String: JSONValue] = [:]
        let bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeBytes { raw in
            CompactJSONParser.forEachMember(of: raw, under: key) { result[$0] = $1 }
        }
        return parsed ? result : nil
    }

    @Test func membersMatchTheFullParse() throws {
        let frame = #"{"event":"invocation","data":{"invocation_id":42,"skill_name":"pytest-run","completed":true,"#
            + #""duration_seconds":1.5,"tags":["a",{"b":null}],"user_id":"ali\"ce"}}"#
        let scanned = try #require(Self.members(frame))
        let full = try JSONDecoder().decode(JSONValue.self, from: Data(frame.utf8))
        #expect(JSONValue.object(scanned) == full["data"])
    }

    @Test func malformedOrMissingIsDeclined() {
        #expect(Self.members(#"{"event":"x"}"#) == nil, "no data member")
        #expect(Self.members(#"{"event":"x","data":[1]}"#) == nil, "data is not an object")
        #expect(Self.members(#"{"event":"x","data":{"a":1}"#) == nil, "truncated")
        #expect(Self.members(#"{"event":"x","data":{"a":1},"data":{"b":2}}"#) == nil, "two data members")
        #expect(Self.members(#"{"event":"x","data":{"a":1}} trailing"#) == nil)
        #expect(Self.members(#"{"data":{}}"#) == [:])
    }

    @Test func eventNamesAreReadFromTheFramePrefix() {
        func name(_ text: String) -> String? {
            var buffer = ByteBufferAllocator().buffer(capacity: 64)
            buffer.writeString(text)
            return WireClient.eventName(buffer)
        }
        #expect(name(#"{"event":"invocation","data":{}}"#) == "invocation")
        #expect(name(#"{"id":1,"ok":true,"result":{}}"#) == nil)
        #expect(name(#"{"event":"a\"b","data":{}}"#) == nil, "an escaped name goes to the full parser")
    }
}
