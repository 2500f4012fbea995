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

extension ByteBuffer {
    /// Writes `value` as a JSON string: quotes, backslashes and control characters escaped, the rest as UTF-8.
    public mutating func writeJSONString(_ value: String) {
        writeStaticString("\"")
        var plainStart = value.utf8.startIndex
        var index = plainStart
        let utf8 = value.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 {
                writeString(String(value[plainStart..<index]))
                switch byte {
                case UInt8(ascii: "\""): writeStaticString("\\\"")
                case UInt8(ascii: "\\"): writeStaticString("\\\\")
                case UInt8(ascii: "\n"): writeStaticString("\\n")
                case UInt8(ascii: "\t"): writeStaticString("\\t")
                case UInt8(ascii: "\r"): writeStaticString("\\r")
                default:
                    let hex = String(byte, radix: 16)
                    writeString("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                }
                plainStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        writeString(String(value[plainStart..<index]))
        writeStaticString("\"")
    }

    /// Writes a finite number the way Swift prints it (shortest round-trip form, valid JSON); null otherwise.
    public mutating func writeJSONNumber(_ value: Double?) {
        guard let value, value.isFinite else {
            writeStaticString("null")
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            writeString(String(Int64(value)))
        } else {
            writeString(String(value))
        }
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
