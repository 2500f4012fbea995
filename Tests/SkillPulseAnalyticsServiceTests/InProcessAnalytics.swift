import Foundation
import NIOCore
import SkillPulseAnalytics
@testable import SkillPulseAnalyticsService
import SkillPulseCore
import SkillPulseWire

/// analytics' request path without a socket or a database, as Hummingbird tests a router: a request's JSON goes
/// through the daemon's own decoder (`WireRequest<AnalyticsOperation>`) and query handler onto an engine the test
/// fills, and the reply comes back as the bytes the server would write.
struct InProcessAnalytics {
    let engine: AnalyticsEngine

    init(settings: AnalyticsSettings = AnalyticsSettings(), records: [InvocationRecord]) {
        engine = AnalyticsEngine(settings: settings)
        engine.apply(records)
    }

    /// The reply to `request` (one JSON object, as a client sends it): its `result` or its `error`.
    func call(_ request: String) throws -> Result<JSONValue, WireError> {
        let decoded = WireRequest<AnalyticsOperation>.decode(Data(request.utf8))
        let frame: ByteBuffer
        switch decoded.operation {
        case .failure(let error):
            frame = WireReply.failure(id: decoded.id, error: error)
        case .success(.query(let query)):
            frame = try Self.reply(id: decoded.id, AnalyticsHandler.answer(query, engine: engine))
        case .success(let other):
            throw InProcessError(description: "\(other.name.rawValue) needs the daemon's database or its streams")
        }
        var payload = frame
        _ = payload.readInteger(as: UInt32.self)
        let reply = try JSONDecoder().decode(JSONValue.self, from: Data(payload.readableBytesView))
        if let error = reply["error"], error != .null {
            return .failure(try JSONDecoder().decode(WireError.self, from: JSONEncoder().encode(error)))
        }
        return .success(reply["result"] ?? .null)
    }

    static func reply(id: RequestID, _ outcome: WireOutcome) throws -> ByteBuffer {
        switch outcome {
        case .result(let result): WireReply.success(id: id, result: result)
        case .failure(let error): WireReply.failure(id: id, error: error)
        case .stream: throw InProcessError(description: "a query never streams")
        }
    }

    struct InProcessError: Error, CustomStringConvertible {
        let description: String
    }
}
