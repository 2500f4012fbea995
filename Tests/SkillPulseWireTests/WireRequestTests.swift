import Foundation
import NIOCore
import SkillPulseWire
import Testing

/// `WireRequest.decode`, `WireReply` frames, `JSONValue` and `RequestID` coding.
struct WireRequestTests {
    struct EchoParams: Decodable, Sendable, Equatable {
        let text: String
        let n: Int?
    }

    struct Item: Decodable, Sendable, Equatable {
        let name: String
        let size: Int
    }

    struct ItemsParams: Decodable, Sendable, Equatable {
        let items: [Item]
    }

    enum TestOp: WireOperation, Equatable {
        case echo(EchoParams)
        case ping
        case items(ItemsParams)

        init(op: String, params: WireParams) throws {
            switch op {
            case "echo":
                let params: EchoParams = try params.decode()
                if let n = params.n, n < 0 { throw WireError.badRequest("params.n must be ≥ 0") }
                self = .echo(params)
            case "ping":
                _ = try params.decode(NoParams.self)
                self = .ping
            case "items":
                self = .items(try params.decode())
            default:
                throw WireError(.unknownOp, "unknown op \"\(op)\"; this daemon answers echo, ping, items")
            }
        }

        /// The fast path, built to agree with `init(op:params:)`; `decode` checks that it does.
        init?(op: String, parsedParams: ParsedParams?) throws(ParsedParams.Mismatch) {
            switch op {
            case "echo":
                guard let parsedParams else { return nil }
                let params = EchoParams(text: try parsedParams.string("text"), n: try parsedParams.optionalInt("n"))
                if let n = params.n, n < 0 { return nil }
                self = .echo(params)
            case "ping":
                self = .ping
            case "items":
                guard let parsedParams else { return nil }
                var items: [Item] = []
                for item in try parsedParams.objects("items") {
                    items.append(Item(name: try item.string("name"), size: try item.int("size")))
                }
                self = .items(ItemsParams(items: items))
            default:
                return nil
            }
        }
    }

    /// Decodes with both decoders (the server's fast path and the full JSONDecoder one) and expects one answer.
    static func decode(_ text: String) -> WireRequest<TestOp> {
        let full = WireRequest<TestOp>.decode(Data(text.utf8))
        let fast = WireRequest<TestOp>.decode(ByteBuffer(string: text))
        #expect(fast.id == full.id && fast.operation == full.operation,
                "decoders disagree on \(text): \(fast.operation) vs \(full.operation)")
        return fast
    }

    static func failure(_ request: WireRequest<TestOp>) -> WireError? {
        if case .failure(let error) = request.operation { return error }
        return nil
    }

    static func success(_ request: WireRequest<TestOp>) -> TestOp? {
        if case .success(let operation) = request.operation { return operation }
        return nil
    }

    // MARK: - ids

    @Test(arguments: [
        (#"{"id":7,"op":"ping"}"#, RequestID.integer(7)),
        (#"{"id":0,"op":"ping"}"#, .integer(0)),
        (#"{"id":-12,"op":"ping"}"#, .integer(-12)),
        (#"{"id":9223372036854775807,"op":"ping"}"#, .integer(Int64.max)),
        (#"{"id":"abc","op":"ping"}"#, .string("abc")),
        (#"{"id":"","op":"ping"}"#, .string("")),
        (#"{"id":"42","op":"ping"}"#, .string("42")),
        (#"{"op":"ping","id":"last"}"#, .string("last")),
    ])
    func integerAndStringIDsAreEchoed(payload: String, id: RequestID) {
        let request = Self.decode(payload)
        #expect(request.id == id)
        #expect(Self.success(request) == .ping)
    }

    @Test func missingIDIsBadRequestWithNullID() {
        let request = Self.decode(#"{"op":"ping"}"#)
        #expect(request.id == .null)
        #expect(Self.failure(request)?.code == .badRequest)
        #expect(Self.failure(request)?.message.contains("id") == true)
    }

    @Test(arguments: [
        #"{"id":true,"op":"ping"}"#, #"{"id":1.5,"op":"ping"}"#, #"{"id":[1],"op":"ping"}"#,
        #"{"id":{"a":1},"op":"ping"}"#, #"{"id":99999999999999999999,"op":"ping"}"#,
    ])
    func idOfTheWrongTypeIsBadRequestWithNullID(payload: String) {
        let request = Self.decode(payload)
        #expect(request.id == .null)
        #expect(Self.failure(request)?.code == .badRequest)
        #expect(Self.failure(request)?.message == "id must be a string or an integer")
    }

    // MARK: - op

    @Test(arguments: [
        (#"{"id":3}"#, "op is missing"),
        (#"{"id":3,"op":5}"#, "op must be a string"),
        (#"{"id":3,"op":null}"#, "op must be a string"),
        (#"{"id":3,"op":["ping"]}"#, "op must be a string"),
    ])
    func missingOrNonStringOpIsBadRequestWithTheID(payload: String, message: String) {
        let request = Self.decode(payload)
        #expect(request.id == .integer(3))
        #expect(Self.failure(request) == WireError(.badRequest, message))
    }

    @Test func unknownOpIsUnknownOpWithTheRequestID() {
        let request = Self.decode(#"{"id":"u1","op":"track_everything","params":{"anything":[1,2]}}"#)
        #expect(request.id == .string("u1"))
        #expect(Self.failure(request)?.code == .unknownOp)
        #expect(Self.failure(request)?.message.contains("track_everything") == true)
        #expect(Self.decode(#"{"id":5,"op":""}"#).id == .integer(5))
        #expect(Self.failure(Self.decode(#"{"id":5,"op":"PING"}"#))?.code == .unknownOp)
    }

    // MARK: - params

    @Test func paramsDecodeAndExtraFieldsAreIgnored() {
        let request = Self.decode(#"""
            {"id":1,"op":"echo","params":{"text":"hi","n":2,"extra":{"deep":[true]}},"trace":"x","v":2}
            """#)
        #expect(request.id == .integer(1))
        #expect(Self.success(request) == .echo(EchoParams(text: "hi", n: 2)))
        #expect(Self.success(Self.decode(#"{"id":1,"op":"echo","params":{"text":"hi"}}"#))
                == .echo(EchoParams(text: "hi", n: nil)))
        #expect(Self.success(Self.decode(#"{"id":1,"op":"ping","params":{"unused":1}}"#)) == .ping)
    }

    @Test func absentOrNullParamsDecodeAsAnEmptyObject() {
        #expect(Self.success(Self.decode(#"{"id":1,"op":"ping"}"#)) == .ping)
        #expect(Self.success(Self.decode(#"{"id":1,"op":"ping","params":null}"#)) == .ping)
        #expect(Self.success(Self.decode(#"{"id":1,"op":"ping","params":{}}"#)) == .ping)
        // …so an op with a required field reports that field as missing.
        let missing = Self.failure(Self.decode(#"{"id":1,"op":"echo"}"#))
        #expect(missing == WireError(.badRequest, "params.text is missing"))
    }

    @Test(arguments: [
        (#"{"text":3}"#, "params.text must be a string"),
        (#"{"text":true}"#, "params.text must be a string"),
        (#"{"text":{"a":"b"}}"#, "params.text must be a string"),
        (#"{"text":"a","n":"x"}"#, "params.n must be an integer"),
        (#"{"text":"a","n":1.5}"#, "params"),  // Foundation reports no path for a fraction where an Int goes
        (#"{"text":"a","n":1e400}"#, "params"),
        (#"{"n":1}"#, "params.text is missing"),
        (#"{"text":null}"#, "params.text"),
    ])
    func wrongFieldTypesAreBadRequestNamingTheField(params: String, message: String) {
        let request = Self.decode(#"{"id":11,"op":"echo","params":"# + params + "}")
        #expect(request.id == .integer(11))
        let error = Self.failure(request)
        #expect(error?.code == .badRequest)
        #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test func nestedPathsIncludeArrayIndexes() {
        let request = Self.decode(#"""
            {"id":12,"op":"items","params":{"items":[{"name":"a","size":1},{"name":"b","size":2},{"name":"c","size":"x"}]}}
            """#)
        #expect(request.id == .integer(12))
        #expect(Self.failure(request) == WireError(.badRequest, "params.items[2].size must be an integer"))
        let missing = Self.failure(Self.decode(#"{"id":12,"op":"items","params":{"items":[{"size":1}]}}"#))
        #expect(missing == WireError(.badRequest, "params.items[0].name is missing"))
        let notArray = Self.failure(Self.decode(#"{"id":12,"op":"items","params":{"items":{"name":"a"}}}"#))
        #expect(notArray == WireError(.badRequest, "params.items must be an array"))
        let ok = Self.success(Self.decode(#"{"id":12,"op":"items","params":{"items":[{"name":"a","size":1}]}}"#))
        #expect(ok == .items(ItemsParams(items: [Item(name: "a", size: 1)])))
    }

    @Test func paramsThatAreNotAnObjectAreBadRequest() {
        for params in ["5", "\"text\"", "[1]", "true"] {
            let request = Self.decode(#"{"id":13,"op":"echo","params":"# + params + "}")
            #expect(request.id == .integer(13))
            let error = Self.failure(request)
            #expect(error?.code == .badRequest, "params \(params)")
            #expect(error?.message.hasPrefix("params") == true)
        }
    }

    @Test func errorsThrownByTheOperationPassThroughWithTheID() {
        let request = Self.decode(#"{"id":"neg","op":"echo","params":{"text":"a","n":-1}}"#)
        #expect(request.id == .string("neg"))
        #expect(Self.failure(request) == WireError(.badRequest, "params.n must be ≥ 0"))
    }

    // MARK: - payloads that are not one JSON object

    @Test(arguments: [
        "[]", "[{\"id\":1,\"op\":\"ping\"}]", "\"x\"", "42", "true", "null", "", " ", "{", "{\"id\":",
        "{\"id\":1,\"op\":\"ping\"", "{\"id\":1,\"op\":\"ping\"}}", "{id:1}", "nope",
    ])
    func nonObjectsAndBrokenJSONAreBadJSON(payload: String) {
        let request = Self.decode(payload)
        #expect(request.id == .null)
        #expect(Self.failure(request)?.code == .badJSON, "payload \(payload)")
    }

    @Test(arguments: [
        [UInt8]([0xff, 0xfe, 0x7b, 0x7d]), [0x80], [0x7b, 0xc3],
        Array(#"{"id":1,"#.utf8) + [0xff] + Array(#""op":"ping"}"#.utf8),  // outside any string
    ])
    func invalidUTF8IsBadJSON(bytes: [UInt8]) {
        let request = WireRequest<TestOp>.decode(Data(bytes))
        #expect(WireRequest<TestOp>.decode(ByteBuffer(bytes: bytes)).operation == request.operation)
        #expect(request.id == .null)
        #expect(Self.failure(request)?.code == .badJSON)
    }

    @Test(arguments: [
        Array(#"{"id":1,"op":""#.utf8) + [0xc3, 0x28] + Array(#""}"#.utf8),  // invalid 2-byte sequence in `op`
        Array(#"{"id":1,"op":"ping","params":{"x":""#.utf8) + [0xed, 0xa0, 0x80] + Array(#""}}"#.utf8),  // surrogate
    ])
    func invalidUTF8InsideAStringIsBadJSON(bytes: [UInt8]) {
        // docs/protocol.md: a payload that is not valid UTF-8 → bad_json. Foundation's JSONDecoder only checks
        // UTF-8 in the strings it decodes, so the payload is validated as a whole first.
        let request = WireRequest<TestOp>.decode(Data(bytes))
        #expect(WireRequest<TestOp>.decode(ByteBuffer(bytes: bytes)).operation == request.operation)
        #expect(request.id == .null)
        #expect(Self.failure(request)?.code == .badJSON)
    }

    // MARK: - replies

    static func payloadObject(_ frame: ByteBuffer) throws -> [String: Any] {
        var frame = frame
        let header = frame.readInteger(endianness: .big, as: UInt32.self)
        let length = try #require(header)
        #expect(Int(length) == frame.readableBytes)
        let json = try JSONSerialization.jsonObject(with: Data(frame.readableBytesView))
        return try #require(json as? [String: Any])
    }

    struct SampleResult: Encodable, Sendable {
        let invocationID: Int
        let path: String

        enum CodingKeys: String, CodingKey {
            case invocationID = "invocation_id", path
        }
    }

    @Test func successRepliesCarryIDOkAndResult() throws {
        let frame = WireReply.success(id: .integer(7), result: SampleResult(invocationID: 42, path: "/a/b"))
        let object = try Self.payloadObject(frame)
        #expect(Set(object.keys) == ["id", "ok", "result"])
        #expect(object["id"] as? Int == 7)
        #expect(object["ok"] as? Bool == true)
        let result = try #require(object["result"] as? [String: Any])
        #expect(result["invocation_id"] as? Int == 42)
        #expect(result["path"] as? String == "/a/b")
        // Slashes are not escaped.
        var copy = frame
        copy.moveReaderIndex(forwardBy: 4)
        #expect(String(buffer: copy).contains("\"/a/b\""))

        let stringID = try Self.payloadObject(WireReply.success(id: .string("s-1"), result: JSONValue.array([])))
        #expect(stringID["id"] as? String == "s-1")
        #expect((stringID["result"] as? [Any])?.isEmpty == true)
    }

    @Test func failureRepliesCarryIDOkFalseAndCodeMessage() throws {
        let object = try Self.payloadObject(WireReply.failure(id: .null, error: WireError(.badFrame, "frame length is 0")))
        #expect(Set(object.keys) == ["id", "ok", "error"])
        #expect(object["id"] is NSNull)
        #expect(object["ok"] as? Bool == false)
        let error = try #require(object["error"] as? [String: Any])
        #expect(Set(error.keys) == ["code", "message"])
        #expect(error["code"] as? String == "bad_frame")
        #expect(error["message"] as? String == "frame length is 0")
        for code in WireErrorCode.allCases {
            let reply = try Self.payloadObject(WireReply.failure(id: .string("x"), error: WireError(code, "m")))
            #expect((reply["error"] as? [String: Any])?["code"] as? String == code.rawValue)
        }
    }

    @Test func aResultThatCannotBeEncodedBecomesAnInternalError() throws {
        let object = try Self.payloadObject(WireReply.success(id: .integer(1), result: JSONValue.number(.nan)))
        #expect(object["id"] as? Int == 1)
        #expect(object["ok"] as? Bool == false)
        #expect((object["error"] as? [String: Any])?["code"] as? String == "internal")
    }

    @Test func eventFramesCarryEventAndData() throws {
        let object = try Self.payloadObject(try WireReply.event("invocation", data: ["invocation_id": 5]))
        #expect(Set(object.keys) == ["event", "data"])
        #expect(object["event"] as? String == "invocation")
        #expect((object["data"] as? [String: Any])?["invocation_id"] as? Int == 5)
    }

    @Test func replyFramesDecodeThroughTheFrameFormat() throws {
        // A long result: the length must be a full 4-byte big-endian integer, not one byte.
        let text = String(repeating: "x", count: 70_000)
        var frame = WireReply.success(id: .integer(1), result: ["text": text])
        let header = Array(frame.readableBytesView.prefix(4))
        let length = frame.readableBytes - 4
        #expect(header == [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)])
        #expect(frame.readInteger(endianness: .big, as: UInt32.self).map(Int.init) == length)
    }

    // MARK: - JSONValue and RequestID

    static let sampleValues: [JSONValue] = [
        .null, .bool(true), .bool(false), .integer(0), .integer(-1), .integer(Int64.max), .integer(Int64.min),
        .number(1.5), .number(-0.25), .number(1e-7), .string(""), .string("ü \"quoted\" \\ / \n\u{1}"),
        .array([]), .object([:]),
        .array([.integer(1), .string("a"), .null, .array([.bool(false)]), .object(["k": .number(2.5)])]),
        .object(["id": .integer(7), "ok": .bool(true), "result": .object(["list": .array([.integer(1), .integer(2)])])]),
    ]

    @Test(arguments: sampleValues)
    func jsonValuesRoundTrip(value: JSONValue) throws {
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }

    @Test func jsonValuesDecodeFromText() throws {
        let text = #"{"a":1,"b":2.5,"c":"s","d":true,"e":null,"f":[1,"x"],"g":{"h":false}}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value["a"] == .integer(1))
        #expect(value["a"]?.intValue == 1)
        #expect(value["b"] == .number(2.5))
        #expect(value["b"]?.doubleValue == 2.5)
        #expect(value["b"]?.intValue == nil)
        #expect(value["a"]?.doubleValue == 1)
        #expect(value["c"]?.stringValue == "s")
        #expect(value["d"]?.boolValue == true)
        #expect(value["e"] == .null)
        #expect(value["f"]?.arrayValue == [.integer(1), .string("x")])
        #expect(value["g"]?["h"] == .bool(false))
        #expect(value["missing"] == nil)
        #expect(JSONValue.integer(1)["a"] == nil)
        #expect(JSONValue.number(3).intValue == 3)
        #expect(JSONValue.string("1").intValue == nil)
    }

    @Test func requestIDsEncodeAsTheirJSONValues() throws {
        let encoder = JSONEncoder()
        #expect(String(decoding: try encoder.encode(RequestID.integer(42)), as: UTF8.self) == "42")
        #expect(String(decoding: try encoder.encode(RequestID.integer(-7)), as: UTF8.self) == "-7")
        #expect(String(decoding: try encoder.encode(RequestID.string("r-1")), as: UTF8.self) == "\"r-1\"")
        #expect(String(decoding: try encoder.encode(RequestID.null), as: UTF8.self) == "null")
        #expect(String(decoding: try encoder.encode([RequestID.null, .integer(1), .string("1")]), as: UTF8.self)
                == #"[null,1,"1"]"#)
    }

    @Test func requestIDsDecodeWithoutCoercion() throws {
        let ids = try JSONDecoder().decode([RequestID].self, from: Data(#"[1,"1",null,"",-3,"abc"]"#.utf8))
        #expect(ids == [.integer(1), .string("1"), .null, .string(""), .integer(-3), .string("abc")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RequestID.self, from: Data("true".utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RequestID.self, from: Data("1.5".utf8)) }
        #expect(RequestID.integer(5).description == "5")
        #expect(RequestID.string("x").description == "\"x\"")
        #expect(RequestID.null.description == "null")
    }
}
