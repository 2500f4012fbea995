import Foundation
import NIOCore
import SkillPulseWire
import Testing

/// The hand-written JSON of hot replies must read back as exactly what was written.
struct CompactJSONWritingTests {
    @Test(arguments: ["plain", "quote\"inside", "back\\slash", "new\nline\ttab", "\u{01}control", "ünïcödé ✓", ""])
    func stringsRoundTrip(text: String) throws {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeJSONString(text)
        let data = Data(buffer.readableBytesView)
        let decoded = try JSONDecoder().decode(String.self, from: data)
        #expect(decoded == text)
    }

    @Test func numbersRoundTrip() throws {
        for value in [0.0, 1, -3, 0.1, 1e-7, 123_456_789.125, 1e20, 2.5e-300] {
            var buffer = ByteBufferAllocator().buffer(capacity: 32)
            buffer.writeJSONNumber(value)
            #expect(try JSONDecoder().decode(Double.self, from: Data(buffer.readableBytesView)) == value)
        }
        var buffer = ByteBufferAllocator().buffer(capacity: 8)
        buffer.writeJSONNumber(.nan)
        #expect(String(buffer: buffer) == "null")
    }
}
