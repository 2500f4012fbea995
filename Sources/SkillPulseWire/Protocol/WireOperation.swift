import Foundation
import NIOCore
import NIOFoundationCompat

/// The set of operations a daemon understands, decoded straight from a request's `op` and `params`.
public protocol WireOperation: Sendable {
    /// Decodes `params` for `op`; throws `WireError(.unknownOp, …)` for an op this daemon does not have.
    init(op: String, params: WireParams) throws

    /// The fast path for hot ops: builds the operation from `params` that `CompactJSONParser` read (nil when
    /// absent or null). Returns nil, or throws `ParsedParams.Mismatch`, to hand the request to
    /// `init(op:params:)` instead, which owns every error message; so it must build exactly what that would.
    init?(op: String, parsedParams: ParsedParams?) throws(ParsedParams.Mismatch)
}

extension WireOperation {
    /// By default every op goes through JSONDecoder.
    public init?(op: String, parsedParams: ParsedParams?) throws(ParsedParams.Mismatch) {
        return nil
    }
}

/// Access to a request's `params` object while the envelope is being decoded (one JSON parse per frame).
public struct WireParams {
    let container: KeyedDecodingContainer<EnvelopeKey>

    /// Decodes `params` as `T`; an absent `params` decodes as `{}` so optional-only ops need none.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        if container.contains(.params), !(try container.decodeNil(forKey: .params)) {
            return try container.decode(T.self, forKey: .params)
        }
        return try JSONDecoder().decode([String: T].self, from: Data(#"{"params":{}}"#.utf8))["params"]!
    }
}

enum EnvelopeKey: String, CodingKey {
    case id, op, params
}

/// A decoded request: its id (null if unreadable) and either the operation or why it cannot run.
public struct WireRequest<Operation: WireOperation>: Sendable {
    public let id: RequestID
    public let operation: Result<Operation, WireError>

    /// Decodes one frame payload. Never throws: every failure becomes the error its reply must carry.
    public static func decode(_ payload: ByteBuffer) -> WireRequest {
        if let parsed = payload.withUnsafeReadableBytes(decodeParsed) { return parsed }
        return decode(Data(buffer: payload, byteTransferStrategy: .noCopy))
    }

    /// The fast path: plain ASCII JSON for an op that builds from `ParsedParams`; nil for everything else.
    static func decodeParsed(_ bytes: UnsafeRawBufferPointer) -> WireRequest? {
        guard case .object(let envelope)? = CompactJSONParser.parse(bytes) else { return nil }
        let id: RequestID
        switch envelope["id"] {
        case .integer(let value)?: id = .integer(value)
        case .string(let value)?: id = .string(value)
        default: return nil
        }
        guard case .string(let op)? = envelope["op"] else { return nil }
        let params: ParsedParams?
        switch envelope["params"] {
        case nil, .null?: params = nil
        case .object(let members)?: params = ParsedParams(members)
        default: return nil
        }
        guard let operation = try? Operation(op: op, parsedParams: params) else { return nil }
        return WireRequest(id: id, operation: .success(operation))
    }

    /// Decodes one frame payload with JSONDecoder. Never throws: every failure becomes the error its reply must carry.
    public static func decode(_ payload: Data) -> WireRequest {
        // JSONDecoder checks UTF-8 only inside the strings it decodes; an ignored field could smuggle bytes in.
        guard String(validating: payload, as: UTF8.self) != nil else {
            return WireRequest(id: .null, operation: .failure(WireError(.badJSON, "payload is not valid UTF-8")))
        }
        do {
            return try JSONDecoder().decode(Decoded.self, from: payload).request
        } catch let error as DecodingError {
            return WireRequest(id: .null, operation: .failure(Self.rootError(error)))
        } catch {
            return WireRequest(id: .null, operation: .failure(WireError(.badJSON, "payload is not valid JSON")))
        }
    }

    private static func rootError(_ error: DecodingError) -> WireError {
        switch error {
        case .typeMismatch, .valueNotFound:
            return WireError(.badJSON, "payload must be one JSON object")
        default:
            return WireError(.badJSON, "payload is not valid UTF-8 JSON")
        }
    }

    private struct Decoded: Decodable {
        let request: WireRequest

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: EnvelopeKey.self)
            guard container.contains(.id), let id = try? container.decode(RequestID.self, forKey: .id), id != .null else {
                let why = container.contains(.id) ? "id must be a string or an integer" : "id is missing"
                request = WireRequest(id: .null, operation: .failure(.badRequest(why)))
                return
            }
            guard let op = try? container.decode(String.self, forKey: .op) else {
                let why = container.contains(.op) ? "op must be a string" : "op is missing"
                request = WireRequest(id: id, operation: .failure(.badRequest(why)))
                return
            }
            do {
                let operation = try Operation(op: op, params: WireParams(container: container))
                request = WireRequest(id: id, operation: .success(operation))
            } catch let error as WireError {
                request = WireRequest(id: id, operation: .failure(error))
            } catch let error as DecodingError {
                request = WireRequest(id: id, operation: .failure(.badRequest(DecodingErrorDescription.describe(error))))
            } catch {
                // Foundation throws its own JSONError (no coding path) for e.g. 1.5 or 1e400 where an Int is expected.
                let why = "params hold a value that does not fit its field: \(error)"
                request = WireRequest(id: id, operation: .failure(.badRequest(why)))
            }
        }
    }
}

/// Turns a `DecodingError` into a message that names the offending field, e.g. `params.duration_seconds`.
public enum DecodingErrorDescription {
    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) must be \(expected(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be \(expected(type)), not null"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "invalid request: \(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return "params" }
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    static func expected(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type: return "an integer"
        case is [Any].Type: return "an array"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "a valid value"
        }
    }
}

/// Decodes an op that takes no parameters while tolerating `params: {}`.
public struct NoParams: Decodable, Sendable {
    public init() {}
}
