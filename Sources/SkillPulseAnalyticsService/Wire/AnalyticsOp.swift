import SkillPulseWire

/// The ops `analytics.sock` answers (docs/protocol.md, "analytics").
public enum AnalyticsOp: String, WireOpName {
    case getSkillMetrics = "get_skill_metrics"
    case getRealTimeMetrics = "get_real_time_metrics"
    case detectAnomalies = "detect_anomalies"
    case listAnomalies = "list_anomalies"
    case getSkillTrend = "get_skill_trend"
    case getCommunityBaselines = "get_community_baselines"
    case compareToBaseline = "compare_to_baseline"
    case getSkillDependencies = "get_skill_dependencies"
    case predictSuccessProbability = "predict_success_probability"
    case trainModel = "train_model"
    case createABTest = "create_ab_test"
    case assignABTest = "assign_ab_test"
    case recordABOutcome = "record_ab_outcome"
    case getABTestSummary = "get_ab_test_summary"
    case stopABTest = "stop_ab_test"
    case listABTests = "list_ab_tests"
    case getCollaborativeRecommendations = "get_collaborative_recommendations"
    case getSkillClusters = "get_skill_clusters"
    case subscribe
    case health
    case stats

    public static var answerer: String { "analytics" }
}
