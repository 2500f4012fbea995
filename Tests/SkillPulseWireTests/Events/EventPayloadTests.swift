import Foundation
import NIOCore
import SkillPulseCore
import SkillPulseWire
import Testing

/// The shared payload types: what ingest and analytics encode is what followers decode, key for key, and the
/// `commit` fast path reads what JSONDecoder reads.
struct EventPayloadTests {
    static func frame(_ name: String, _ data: some Encodable) throws -> ByteBuffer {
        var frame = try WireReply.event(name, data: data)
        _ = frame.readInteger(as: UInt32.self)
        return frame
    }

    @Test func everyPayloadRoundTripsThroughItsFrame() throws {
        let invocation = InvocationEvent(invocationID: 42, sessionID: "s", skillName: "pytest-run", completed: true,
                                         durationSeconds: 1.5, invokedAt: "2026-12-07T10:00:00.000Z",
                                         workflowPath: nil, workflowPhase: "execution", workflowStepID: nil,
                                         errorType: nil, selectionRank: 2, userID: "u", createdAt: "2026-12-07T10:00:00.001Z")
        let session = SessionEvent(type: .ended, sessionID: "s", userID: nil, projectPath: "/p",
                                   startedAt: "2026-12-07T09:00:00.000Z", endedAt: "2026-12-07T10:00:00.000Z", implicit: false)
        let anomaly = AnomalyEvent(id: 3, skillName: "k", metric: "completion_rate", anomalyType: "performance_drop",
                                   baselineValue: 0.9, observedValue: 0.4, deviationScore: -3.2,
                                   detectedAt: "2026-12-07T10:00:00.000Z", resolvedAt: nil, state: .open)
        let metrics = MetricsEvent(topSkills: [TopSkill(skillName: "k", invocationCount: 3, completedCount: 2,
                                                        completionRate: 2.0 / 3, avgDuration: nil, p95Duration: 1,
                                                        lastInvocationAt: "2026-12-07T10:00:00.000Z")],
                                   timestamp: "2026-12-07T10:00:01.000Z")
        #expect(try Self.decode(Self.frame("invocation", invocation)) == invocation)
        #expect(try Self.decode(Self.frame("session", session)) == session)
        #expect(try Self.decode(Self.frame("anomaly", anomaly)) == anomaly)
        #expect(try Self.decode(Self.frame("metrics", metrics)) == metrics)
        let text = String(buffer: try Self.frame("invocation", invocation))
        #expect(text.contains(#""invocation_id":42"#) && text.contains(#""skill_name":"pytest-run""#)
                && !text.contains("workflow_path"), "wire keys, absent values omitted: \(text)")
        #expect(String(buffer: try Self.frame("session", session)).contains(#""type":"ended""#))
        #expect(String(buffer: try Self.frame("anomaly", anomaly)).contains(#""state":"open""#))
    }

    static func decode<T: Decodable>(_ frame: ByteBuffer) throws -> T {
        try WireEvent(name: "", data: .null, payload: frame).decode(T.self)
    }

    @Test func theCommitFastPathReadsWhatJSONDecoderReads() throws {
        for event in [CommitEvent(invocations: 3, sessions: 1, firstInvocationID: 7, lastInvocationID: 9),
                      CommitEvent(invocations: 0, sessions: 2, firstInvocationID: nil, lastInvocationID: nil)] {
            let frame = try Self.frame("commit", event)
            let decoded: CommitEvent = try Self.decode(frame)
            #expect(decoded == event)
            #expect(CommitEvent.lastInvocationID(inFrame: frame) == event.lastInvocationID)
        }
    }

    @Test func aParsedEventDecodesLikeARawOne() throws {
        let lagged = LaggedEvent(MissedEvents<IngestTopic>([.invocation: 4, .commit: 1]), topics: [.invocation, .session])
        #expect(lagged == LaggedEvent(missed: 4, topics: ["invocation": 4, "session": 0]))
        let data = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(lagged))
        #expect(try WireEvent(name: LaggedEvent.name, data: data).decode(LaggedEvent.self) == lagged)
    }
}
