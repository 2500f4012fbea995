/// The stable error codes of the protocol; `docs/protocol.md` lists what each means.
public enum WireErrorCode: String, Sendable, Codable, CaseIterable {
    case badFrame = "bad_frame"
    case badJSON = "bad_json"
    case badRequest = "bad_request"
    case unknownOp = "unknown_op"
    case notFound = "not_found"
    case conflict = "conflict"
    case unavailable = "unavailable"
    case `internal` = "internal"
}

/// An error a peer receives in a reply: a stable code and a human message.
public struct WireError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public let code: WireErrorCode
    public let message: String

    public init(_ code: WireErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func badRequest(_ message: String) -> WireError { WireError(.badRequest, message) }
    public static func unavailable(_ message: String) -> WireError { WireError(.unavailable, message) }
    public static func notFound(_ message: String) -> WireError { WireError(.notFound, message) }
}
