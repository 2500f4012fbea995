import Foundation
import SkillPulseWire
import Testing

/// `CompactJSONParser` either agrees with JSONDecoder or steps aside (nil): it must never accept what
/// JSONDecoder rejects, nor read a value differently.
struct CompactJSONParserTests {
    static func parse(_ text: String) -> JSONValue? {
        Array(text.utf8).withUnsafeBytes { CompactJSONParser.parse($0) }
    }

    static func foundation(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Equal values; numbers compare by value, since JSONDecoder may read `2.0` as an integer.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer, _), (.number, _):
            guard let x = a.doubleValue, let y = b.doubleValue else { return false }
            return x == y
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default:
            return a == b
        }
    }

    @Test(arguments: [
        #"{"id":1,"op":"track_invocation","params":{"session_id":"s","skill_name":"k","completed":true}}"#,
        #"  { "a" : [ 1 , -2 , 3.5 , -0.25e2 , 1E+3 , 0 ] , "b" : { } , "c" : [ ] , "d" : null }  "#,
        #"{"esc":"q\"b\\s\/n\n\r\t\b\f","u":"\u00e9\u4e2d","pair":"\ud83d\ude00"}"#,
        #"[true,false,null,"",{"x":[[[]]]}]"#,
        #""just a string""#,
        "-9223372036854775808",
        "9223372036854775807",
        "0.1",
        "123456789.123456789e-5",
    ])
    func agreesWithJSONDecoderOnPlainJSON(_ text: String) throws {
        let fast = try #require(Self.parse(text), "the fast parser should read \(text)")
        let slow = try #require(Self.foundation(text))
        #expect(Self.same(fast, slow), "\(fast) vs \(slow)")
    }

    @Test func exactValues() {
        #expect(Self.parse(#"{"n":12,"d":1.5,"s":"a\u0041"}"#)
                == .object(["n": .integer(12), "d": .number(1.5), "s": .string("aA")]))
        #expect(Self.parse("9223372036854775808") == nil, "beyond Int64: the full decoder decides")
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "-", "1.", ".5", "1e", "+1",
        "--1", "tru", "nul", "[\"unterminated]", "\"tab\tinside\"", "\"bad \\x escape\"", "\"\\u12G4\"",
        "\"lone \\ud800 surrogate\"", "\"\\udc00\"", "1e400", "{\"a\":1}x", "{\"a\":1,\"a\":2}",
        "\"caf\u{E9}\"", "[1]\u{0}",
        String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
    ])
    func stepsAsideForAnythingElse(_ text: String) {
        #expect(Self.parse(text) == nil, "\(text.debugDescription) must go to the full decoder")
    }

    /// Random mutations of valid documents: whatever the fast parser accepts, JSONDecoder reads the same way.
    @Test func neverDisagreesWithJSONDecoderOnMutatedInput() {
        let seeds = [
            #"{"id":7,"op":"track_batch","params":{"invocations":[{"session_id":"s-1","skill_name":"x","completed":false,"duration_seconds":0.25,"alternatives_considered":["a","b"],"selection_rank":2}]}}"#,
            #"[1,-2.5e-3,"\u00e9\n",{"k":[true,null]}]"#,
        ]
        let alphabet = Array(#"{}[],:"\ -+.eE0123456789tfnulasr/u"#.utf8)
        var state: UInt64 = 0x5EED
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var accepted = 0
        for round in 0..<4000 {
            var bytes = Array(seeds[round % seeds.count].utf8)
            for _ in 0..<(1 + next() % 3) {
                let position = next() % bytes.count
                switch next() % 3 {
                case 0: bytes[position] = alphabet[next() % alphabet.count]
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet[next() % alphabet.count], at: position)
                }
                if bytes.isEmpty { bytes = [UInt8(ascii: "0")] }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let fast = bytes.withUnsafeBytes({ CompactJSONParser.parse($0) }) else { continue }
            accepted += 1
            guard let slow = Self.foundation(text) else {
                Issue.record("accepted what JSONDecoder rejects: \(text)")
                continue
            }
            #expect(Self.same(fast, slow), "\(text): \(fast) vs \(slow)")
        }
        #expect(accepted > 200, "the mutations should leave many documents valid (\(accepted))")
    }

    @Test func parsedParamsAcceptExactlyTheDecodableShapes() throws {
        guard case .object(let members)? = Self.parse(
            #"{"s":"x","b":true,"i":3,"d":2,"f":0.5,"l":["a"],"n":null,"bad":[1],"objs":[{"a":"b"}]}"#)
        else { Issue.record("expected an object"); return }
        let params = ParsedParams(members)
        #expect(try params.string("s") == "x")
        #expect(try params.bool("b"))
        #expect(try params.optionalInt("i") == 3)
        #expect(try params.optionalDouble("d") == 2)
        #expect(try params.optionalDouble("f") == 0.5)
        #expect(try params.optionalStrings("l") == ["a"])
        #expect(try params.optionalString("n") == nil)
        #expect(try params.optionalString("absent") == nil)
        #expect(try params.objects("objs").first?.string("a") == "b")
        #expect(throws: ParsedParams.Mismatch.self) { try params.string("absent") }
        #expect(throws: ParsedParams.Mismatch.self) { try params.optionalInt("f") }
        #expect(throws: ParsedParams.Mismatch.self) { try params.optionalStrings("bad") }
        #expect(throws: ParsedParams.Mismatch.self) { try params.bool("s") }
        #expect(throws: ParsedParams.Mismatch.self) { try params.objects("l") }
    }
}
