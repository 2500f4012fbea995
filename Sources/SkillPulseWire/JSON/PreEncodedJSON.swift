import Foundation
import NIOCore

/// A result already encoded as JSON, e.g. on the worker thread that computed it: the server's tasks, which
/// share the cooperative pool with `health`, then only copy its bytes into the reply.
public struct PreEncodedJSON: CompactJSONEncodable {
    public let bytes: [UInt8]

    /// Encodes `value` as replies encode results.
    public init(encoding value: some Encodable) throws {
        if let compact = value as? any CompactJSONEncodable {
            var buffer = ByteBufferAllocator().buffer(capacity: 256)
            compact.writeJSON(to: &buffer)
            bytes = Array(buffer.readableBytesView)
        } else {
            bytes = Array(try WireReply.encoder().encode(value))
        }
    }

    public func writeJSON(to buffer: inout ByteBuffer) {
        buffer.writeBytes(bytes)
    }

    /// The path for a reply whose id cannot be written compactly: the bytes are decoded back once.
    public func encode(to encoder: any Encoder) throws {
        try JSONDecoder().decode(JSONValue.self, from: Data(bytes)).encode(to: encoder)
    }
}

extension WireOutcome {
    /// The outcome with its result encoded now, on the calling thread (see `PreEncodedJSON`).
    public func preEncoded() -> WireOutcome {
        guard case .result(let result) = self else { return self }
        do {
            return .result(try PreEncodedJSON(encoding: result))
        } catch {
            return .failure(WireError(.internal, "result could not be encoded: \(error)"))
        }
    }
}
