import Foundation
import SkillPulseAnalyticsService
import SkillPulseDaemon
import SkillPulseIngest
import SkillPulseWire
import Testing

/// Each operation's `name` is written by hand beside the decoder: one valid request per op must decode to an
/// operation of the same name. A new op fails here until it has its request below.
struct OpRoundTripTests {
    static let analyticsRequests: [AnalyticsOp: String] = [
        .getSkillMetrics: #"{"skill_name":"k"}"#,
        .getRealTimeMetrics: "{}",
        .detectAnomalies: "{}",
        .listAnomalies: #"{"state":"all","since_id":0,"limit":10}"#,
        .getSkillTrend: #"{"skill_name":"k"}"#,
        .getCommunityBaselines: "{}",
        .compareToBaseline: #"{"user_id":"u"}"#,
        .getSkillDependencies: #"{"skill_name":"k"}"#,
        .predictSuccessProbability: #"{"skill_name":"k"}"#,
        .trainModel: "{}",
        .createABTest: #"{"test_name":"t","control_strategy":"a","treatment_strategy":"b"}"#,
        .assignABTest: #"{"test_id":1,"user_id":"u"}"#,
        .recordABOutcome: #"{"test_id":1,"user_id":"u","skill_name":"k","completed":true}"#,
        .getABTestSummary: #"{"test_id":1}"#,
        .stopABTest: #"{"test_id":1}"#,
        .listABTests: "{}",
        .getCollaborativeRecommendations: #"{"user_id":"u"}"#,
        .getSkillClusters: "{}",
        .subscribe: #"{"topics":["anomaly"]}"#,
        .health: "{}",
        .stats: "{}",
    ]

    static let ingestRequests: [IngestOp: String] = [
        .createSession: #"{"project_path":"/p"}"#,
        .endSession: #"{"session_id":"s"}"#,
        .trackInvocation: #"{"session_id":"s","skill_name":"k","completed":true}"#,
        .trackBatch: #"{"invocations":[{"session_id":"s","skill_name":"k","completed":true}]}"#,
        .subscribe: #"{"topics":["commit"]}"#,
        .stats: "{}",
        .health: "{}",
    ]

    static func decode<Operation: WireOperation>(_: Operation.Type, _ op: String, _ params: String) throws -> Operation {
        try WireRequest<Operation>.decode(Data(#"{"id":1,"op":"\#(op)","params":\#(params)}"#.utf8)).operation.get()
    }

    @Test(arguments: AnalyticsOp.allCases)
    func everyAnalyticsOpDecodesToItsOwnName(op: AnalyticsOp) throws {
        let params = try #require(Self.analyticsRequests[op], "no request for \(op.rawValue): add one above")
        #expect(try Self.decode(AnalyticsOperation.self, op.rawValue, params).name == op)
    }

    @Test(arguments: IngestOp.allCases)
    func everyIngestOpDecodesToItsOwnName(op: IngestOp) throws {
        let params = try #require(Self.ingestRequests[op], "no request for \(op.rawValue): add one above")
        #expect(try Self.decode(IngestOperation.self, op.rawValue, params).name == op)
    }

    @Test(arguments: CommonOp.allCases)
    func everyCommonOpDecodesToItsOwnName(op: CommonOp) throws {
        #expect(try Self.decode(CommonOperation.self, op.rawValue, "{}").name == op)
    }
}
