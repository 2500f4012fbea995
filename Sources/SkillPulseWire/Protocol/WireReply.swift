import Foundation
import NIOCore

/// Encodes replies and events into ready-to-send frames.
public enum WireReply {
    private struct Success<Result: Encodable>: Encodable {
        let id: RequestID
        let ok = true
        let result: Result
    }

    private struct Failure: Encodable {
        let id: RequestID
        let ok = false
        let error: WireError
    }

    private struct Event<Data: Encodable>: Encodable {
        let event: String
        let data: Data
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    public static func success(id: RequestID, result: some Encodable) -> ByteBuffer {
        if let compact = result as? any CompactJSONEncodable {
            var buffer = ByteBufferAllocator().buffer(capacity: 128)
            buffer.writeInteger(UInt32(0))
            buffer.writeStaticString(#"{"id":"#)
            if id.writeJSON(to: &buffer) {
                buffer.writeStaticString(#","ok":true,"result":"#)
                compact.writeJSON(to: &buffer)
                buffer.writeStaticString("}")
                buffer.setInteger(UInt32(buffer.readableBytes - 4), at: 0)
                return buffer
            }
        }
        do {
            return WireFrame.make(payload: try encoder().encode(Success(id: id, result: result)))
        } catch {
            return failure(id: id, error: WireError(.internal, "result could not be encoded: \(error)"))
        }
    }

    public static func failure(id: RequestID, error: WireError) -> ByteBuffer {
        // Encoding a code, a string and an id cannot fail.
        WireFrame.make(payload: (try? encoder().encode(Failure(id: id, error: error))) ?? Data())
    }

    public static func event(_ name: String, data: some Encodable) throws -> ByteBuffer {
        WireFrame.make(payload: try encoder().encode(Event(event: name, data: data)))
    }
}
