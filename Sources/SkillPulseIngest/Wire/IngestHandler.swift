import Foundation
import NIOCore
import SkillPulseCore
import SkillPulseDaemon
import SkillPulseStore
import SkillPulseWire

/// Answers `ingest`'s ops: validates, queues writes in request order, and serves subscriptions.
public struct IngestHandler: WireHandler {
    let writer: InvocationBatchWriter
    let broadcaster: EventHub<IngestTopic>
    let context: DaemonContext
    let counters: WireServerCounters
    let walEnabled: Bool
    let policy: GroupCommitPolicy
    let monitor: LivenessMonitor
    let walGauge: WALGauge

    public func handle(_ operation: IngestOperation) -> PendingOutcome {
        handle(operation, on: WireConnection())
    }

    public func handle(_ operation: IngestOperation, on connection: WireConnection) -> PendingOutcome {
        let now = UTCTimestamp.now()
        do {
            switch operation {
            case .createSession(let params):
                let input = try validate { () throws(FieldError) in
                    try params.validated(now: now, newID: { UUID().uuidString.lowercased() })
                }
                return awaitCommit(.createSession(input)) { outcome in
                    guard case .sessionCreated(let record) = outcome else { return nil }
                    return .result(["session_id": record.sessionID, "started_at": record.startedAt])
                }

            case .endSession(let params):
                let sessionID = try validate { () throws(FieldError) in
                    try FieldRules.name(params.sessionID, field: "session_id", limit: FieldRules.maxIdentifierLength)
                }
                let endedAt = try validate { () throws(FieldError) in
                    try FieldRules.timestamp(params.endedAt, field: "ended_at", now: now)
                }
                return awaitCommit(.endSession(sessionID: sessionID, endedAt: endedAt)) { outcome in
                    guard case .sessionEnded(let record, let alreadyEnded) = outcome else { return nil }
                    return .result(SessionEndedResult(sessionID: record.sessionID, endedAt: record.endedAt ?? "",
                                                      alreadyEnded: alreadyEnded))
                }

            case .trackInvocation(let params):
                let input = try validate { () throws(FieldError) in try params.validated(now: now) }
                return awaitCommit(.invocations([input])) { outcome in
                    guard case .invocationsStored(let ids, let inserted) = outcome else { return nil }
                    return .result(TrackResult(invocationID: ids[0], duplicate: inserted == 0))
                }

            case .trackBatch(let params):
                guard !params.invocations.isEmpty else { throw WireError.badRequest("params.invocations must not be empty") }
                guard params.invocations.count <= TrackBatchParams.maxInvocations else {
                    throw WireError.badRequest(
                        "params.invocations holds \(params.invocations.count) items; at most \(TrackBatchParams.maxInvocations)")
                }
                var inputs: [InvocationInput] = []
                inputs.reserveCapacity(params.invocations.count)
                for (index, item) in params.invocations.enumerated() {
                    inputs.append(try validate { () throws(FieldError) in
                        try item.validated(now: now, fieldPrefix: "invocations[\(index)].")
                    })
                }
                return awaitCommit(.invocations(inputs)) { outcome in
                    guard case .invocationsStored(let ids, let inserted) = outcome else { return nil }
                    return .result(TrackBatchResult(invocationIDs: ids, inserted: inserted))
                }

            case .subscribe(let params):
                guard !params.topics.isEmpty else {
                    throw WireError.badRequest("params.topics must name at least one of invocation, session, commit")
                }
                let topics = Set(try params.topics.map { name throws(WireError) in try IngestTopic.named(name) })
                // A second subscribe on the same connection adds its topics to the stream it already has.
                if let existing = connection.eventSource as? SubscriberQueue<IngestTopic> {
                    let all = existing.subscribe(to: topics)
                    return .ready(.result(["topics": all.sorted().map(\.rawValue)]))
                }
                let queue = broadcaster.subscribe(topics: topics)
                _ = connection.adopt(queue)
                return .ready(.stream(result: ["topics": topics.sorted().map(\.rawValue)], events: queue))

            case .stats:
                return .ready(.result(statsFigures()))

            case .health:
                return .ready(.result(context.healthReport(liveness(), walEnabled: walEnabled, figures: statsFigures())))
            }
        } catch let error as WireError {
            return .ready(.failure(error))
        } catch {
            return .ready(.failure(WireError(.internal, "\(error)")))
        }
    }

    /// Queues `command` now; the reply waits for its commit. `success` maps the expected outcome.
    private func awaitCommit(_ command: WriteCommand, success: @escaping @Sendable (WriteOutcome) -> WireOutcome?)
        -> PendingOutcome
    {
        let ticket = writer.enqueue(command)
        return .later {
            switch await ticket.value {
            case .failure(let error):
                return .failure(error)
            case .success(.rejected(let rejection)):
                return .failure(Self.wireError(rejection))
            case .success(let outcome):
                return success(outcome) ?? .failure(WireError(.internal, "unexpected writer outcome \(outcome)"))
            }
        }
    }

    private func validate<T>(_ body: () throws(FieldError) -> T) throws(WireError) -> T {
        do {
            return try body()
        } catch {
            // The same path form as decoding errors (`params.invocations[3].completed`), so clients parse one.
            throw WireError.badRequest("params." + error.description)
        }
    }

    /// The writer's verdict combined with the event-loop probe's: what `health`, STATUS= and the watchdog use.
    public func liveness() -> Liveness {
        writer.liveness(stallLimit: policy.lockWait, queueCapacity: policy.queueCapacity).combined(with: monitor.current)
    }

    static func wireError(_ rejection: WriteRejection) -> WireError {
        switch rejection.kind {
        case .conflict: return WireError(.conflict, rejection.message)
        case .notFound: return WireError(.notFound, rejection.message)
        case .invalid: return WireError(.badRequest, rejection.message)
        }
    }

    func statsFigures() -> [String: JSONValue] {
        let figures = writer.currentFigures
        let wal = walGauge.current
        return [
            "invocations_committed": .integer(Int64(figures.committedInvocations)),
            "transactions_committed": .integer(Int64(figures.committedBatches)),
            "commands_committed": .integer(Int64(figures.committedCommands)),
            "batches_failed": .integer(Int64(figures.failedBatches)),
            "writer_busy_seconds": .number(figures.busySeconds),
            "wal_frames": .integer(Int64(wal.frames)),
            "wal_bytes": .integer(Int64(wal.fileBytes)),
            "wal_restarts": .integer(Int64(wal.restarts)),
            "wal_checkpointer_restarts": .integer(Int64(wal.checkpointerRestarts)),
            "rejected_queue_full": .integer(Int64(figures.rejectedFull)),
            "lock_timeouts": .integer(Int64(figures.lockTimeouts)),
            "foreign_commits": .integer(Int64(figures.foreignCommits)),
            "queue_rows": .integer(Int64(figures.queuedRows)),
            "queue_capacity": .integer(Int64(policy.queueCapacity)),
            "batch_max_rows": .integer(Int64(policy.maxRows)),
            "batch_max_delay_ms": .number(policy.maxDelay.seconds * 1000),
            "subscribers": .integer(Int64(broadcaster.subscriberCount)),
            "connections_active": .integer(Int64(counters.activeConnections)),
            "connections_accepted": .integer(Int64(counters.connectionsAccepted)),
            "requests_handled": .integer(Int64(counters.requestsHandled)),
            "error_replies": .integer(Int64(counters.errorReplies)),
            "last_error": figures.lastError.map(JSONValue.string) ?? .null,
        ]
    }
}

struct TrackResult: CompactJSONEncodable {
    let invocationID: Int64
    let duplicate: Bool
    enum CodingKeys: String, CodingKey { case invocationID = "invocation_id", duplicate }

    func writeJSON(to buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"invocation_id":"#)
        buffer.writeJSONInteger(invocationID)
        buffer.writeStaticString(duplicate ? #","duplicate":true}"# : #","duplicate":false}"#)
    }
}

struct TrackBatchResult: CompactJSONEncodable {
    let invocationIDs: [Int64]
    let inserted: Int
    enum CodingKeys: String, CodingKey { case invocationIDs = "invocation_ids", inserted }

    func writeJSON(to buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"invocation_ids":["#)
        for (index, id) in invocationIDs.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeJSONInteger(id)
        }
        buffer.writeStaticString(#"],"inserted":"#)
        buffer.writeJSONInteger(inserted)
        buffer.writeStaticString("}")
    }
}

struct SessionEndedResult: Encodable, Sendable {
    let sessionID: String
    let endedAt: String
    let alreadyEnded: Bool
    enum CodingKeys: String, CodingKey { case sessionID = "session_id", endedAt = "ended_at", alreadyEnded = "already_ended" }
}
