import Foundation
import NIOCore
import NIOFoundationCompat

/// A whole event frame's JSON, `{"event": name, "data": payload}`, with `data` as one of the shared payload
/// types (`InvocationEvent`, `CommitEvent`, `LaggedEvent`, `AnomalyEvent`…).
public struct EventFrame<Payload: Decodable>: Decodable {
    public let event: String
    public let data: Payload
}

extension WireEvent {
    /// The event's `data` as one of the shared payload types, from the raw frame when the client handed it over
    /// raw, else from the parsed `data`.
    public func decode<Payload: Decodable>(_ type: Payload.Type = Payload.self) throws -> Payload {
        if let payload {
            return try JSONDecoder().decode(EventFrame<Payload>.self, from: payload).data
        }
        return try JSONDecoder().decode(Payload.self, from: JSONEncoder().encode(data))
    }
}
