import Foundation
import SkillPulseWire
import Testing

/// One parse per frame, and every failure mapped to its documented code.
struct RequestDecodingTests {
    struct EchoParams: Decodable, Sendable {
        let text: String
        let n: Int?
    }

    enum TestOperation: WireOperation {
        case echo(EchoParams)
        case ping

        init(op: String, params: WireParams) throws {
            switch op {
            case "echo": self = .echo(try params.decode())
            case "ping": _ = try params.decode(NoParams.self); self = .ping
            default: throw WireError(.unknownOp, "unknown op \(op)")
            }
        }
    }

    static func decode(_ text: String) -> WireRequest<TestOperation> {
        WireRequest<TestOperation>.decode(Data(text.utf8))
    }

    static func failure(_ request: WireRequest<TestOperation>) -> WireError? {
        if case .failure(let error) = request.operation { return error }
        return nil
    }

    @Test func decodesIDsOpsAndParams() throws {
        let request = Self.decode(#"{"id":7,"op":"echo","params":{"text":"hi","extra":true}}"#)
        #expect(request.id == .integer(7))
        guard case .success(.echo(let params)) = request.operation else { Issue.record("\(request)"); return }
        #expect(params.text == "hi")
        #expect(Self.decode(#"{"id":"a","op":"ping"}"#).id == .string("a"))
        #expect(Self.failure(Self.decode(#"{"id":"a","op":"ping"}"#)) == nil)
    }

    @Test(arguments: [
        ("[]", WireErrorCode.badJSON), (#""x""#, .badJSON), ("42", .badJSON), ("{\"id\":", .badJSON),
        (#"{"op":"ping"}"#, .badRequest), (#"{"id":true,"op":"ping"}"#, .badRequest),
        (#"{"id":1}"#, .badRequest), (#"{"id":1,"op":5}"#, .badRequest),
        (#"{"id":1,"op":"nope"}"#, .unknownOp), (#"{"id":1,"op":"echo","params":{"text":3}}"#, .badRequest),
        (#"{"id":1,"op":"echo"}"#, .badRequest), (#"{"id":null,"op":"ping"}"#, .badRequest),
    ])
    func mapsFailuresToTheirCodes(payload: String, code: WireErrorCode) {
        #expect(Self.failure(Self.decode(payload))?.code == code)
    }

    @Test func invalidUTF8IsBadJSON() {
        let request = WireRequest<TestOperation>.decode(Data([0xff, 0xfe, 0x7b, 0x7d]))
        #expect(Self.failure(request)?.code == .badJSON)
        #expect(request.id == .null)
    }

    @Test func messagesNameTheOffendingField() {
        let error = Self.failure(Self.decode(#"{"id":1,"op":"echo","params":{"text":"a","n":"x"}}"#))
        #expect(error?.message == "params.n must be an integer")
        #expect(Self.decode(#"{"id":9,"op":"nope"}"#).id == .integer(9))
    }

    @Test func repliesAreFramedWithABigEndianLength() throws {
        var frame = WireReply.failure(id: .string("x"), error: WireError(.conflict, "taken"))
        let header = frame.readInteger(endianness: .big, as: UInt32.self)
        #expect(header.map(Int.init) == frame.readableBytes)
        let object = try JSONSerialization.jsonObject(with: Data(frame.readableBytesView)) as? [String: Any]
        #expect(object?["ok"] as? Bool == false)
        #expect((object?["error"] as? [String: Any])?["code"] as? String == "conflict")
    }
}
