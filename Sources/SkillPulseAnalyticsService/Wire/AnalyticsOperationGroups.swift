import SkillPulseAnalytics
import SkillPulseCore

/// The ops answered from analytics' in-memory state: reads under the engine's lock, never a scan of the log.
public enum AnalyticsQuery: Sendable {
    case skillMetrics(skill: String)
    case realTimeMetrics(limit: Int, windowHours: Double)
    case detectAnomalies(threshold: Double, windowHours: Double, method: DeviationMethod)
    case skillTrend(skill: String, metric: TrendMetric, days: Int)
    case communityBaselines(limit: Int)
    case compareToBaseline(user: String, skill: String?)
    case skillDependencies(skill: String, limit: Int, minimumLift: Double)
    case recommendations(user: String, limit: Int)

    public var name: AnalyticsOp {
        switch self {
        case .skillMetrics: .getSkillMetrics
        case .realTimeMetrics: .getRealTimeMetrics
        case .detectAnomalies: .detectAnomalies
        case .skillTrend: .getSkillTrend
        case .communityBaselines: .getCommunityBaselines
        case .compareToBaseline: .compareToBaseline
        case .skillDependencies: .getSkillDependencies
        case .recommendations: .getCollaborativeRecommendations
        }
    }
}

/// The A/B test ops: they read and write the A/B tables, in arrival order per daemon.
public enum ExperimentOperation: Sendable {
    case create(ABTestRequest)
    case assign(testID: Int64, unit: ABUnitKey)
    case record(ABOutcomeRequest)
    case summary(testID: Int64)
    case stop(testID: Int64)
    case list(limit: Int)

    public var name: AnalyticsOp {
        switch self {
        case .create: .createABTest
        case .assign: .assignABTest
        case .record: .recordABOutcome
        case .summary: .getABTestSummary
        case .stop: .stopABTest
        case .list: .listABTests
        }
    }
}

/// The ops of the success model and the skill clusters.
public enum ModelOperation: Sendable {
    case predictSuccess(PredictionQuery)
    case train(days: Int)
    case clusters(limit: Int)

    public var name: AnalyticsOp {
        switch self {
        case .predictSuccess: .predictSuccessProbability
        case .train: .trainModel
        case .clusters: .getSkillClusters
        }
    }
}
