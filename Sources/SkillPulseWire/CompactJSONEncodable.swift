import NIOCore

/// A result that writes its own JSON, so the replies that carry ingest's traffic skip JSONEncoder.
///
/// Implementations write exactly what their `Encodable` conformance would produce (modulo key order and
/// whitespace), and only types whose fields need no string escaping adopt it.
public protocol CompactJSONEncodable: Encodable, Sendable {
    func writeJSON(to buffer: inout ByteBuffer)
}

extension ByteBuffer {
    /// Writes an integer in decimal, as JSON has it.
    public mutating func writeJSONInteger(_ value: some BinaryInteger) {
        writeString(String(value))
    }
}

extension RequestID {
    /// Writes the id as JSON when that needs no escaping; false otherwise (the caller then uses JSONEncoder).
    func writeJSON(to buffer: inout ByteBuffer) -> Bool {
        switch self {
        case .integer(let value):
            buffer.writeJSONInteger(value)
        case .null:
            buffer.writeStaticString("null")
        case .string(let value):
            guard value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
            else { return false }
            buffer.writeStaticString("\"")
            buffer.writeString(value)
            buffer.writeStaticString("\"")
        }
        return true
    }
}
