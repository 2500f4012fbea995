import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

/// The JSON shapes of the part-2 ops (docs/protocol.md lists every key). As in every SkillPulse reply, a field
/// without a value is omitted rather than null.
enum AnalyticsReplies {
    static func compact(_ fields: [String: JSONValue]) -> JSONValue {
        .object(fields.filter { $0.value != .null })
    }

    /// Adds `timestamp` (now) to a result object, as every query result carries.
    static func stamped(_ value: JSONValue) -> JSONValue {
        guard case .object(var fields) = value else { return value }
        fields["timestamp"] = .string(UTCTimestamp.now().normalized)
        return .object(fields)
    }

    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .number(value)
    }

    static func prediction(_ prediction: SuccessPrediction, skill: String, known: Bool) -> JSONValue {
        compact([
            "skill_name": .string(skill),
            "probability": number(prediction.probability),
            "model_version": .string(prediction.modelVersion),
            "top_factors": .array(prediction.topFactors.map { compact(["feature": .string($0.feature), "weight": number($0.weight)]) }),
            "skill_known": .bool(known),
            "model": .string(prediction.source.rawValue),
            "reason": prediction.reason.map { .string($0) } ?? .null,
        ])
    }

    static func training(_ answer: TrainingAnswer) -> JSONValue {
        let report = answer.report
        return compact([
            "samples": .integer(Int64(report.samples)),
            "rows_in_window": .integer(Int64(answer.rowsInWindow)),
            "training_samples": .integer(Int64(report.trainingSamples)),
            "evaluation_samples": .integer(Int64(report.evaluationSamples)),
            "auc": number(report.auc),
            "brier": number(report.brier),
            "base_rate_brier": number(report.baseRateBrier),
            "base_rate": number(report.baseRate),
            "prior_brier": number(report.priorBrier),
            "prior_auc": number(report.priorAUC),
            "penalty": number(report.penalty),
            "model": .string(SuccessPrediction.Source.logistic.rawValue),
            "model_version": .string(answer.version),
            "days": .integer(Int64(answer.days)),
            "features": .array(SuccessFeatureHistory.featureNames.map { .string($0) }),
        ])
    }

    static func interval(_ interval: ProportionStatistics.Interval?) -> JSONValue {
        guard let interval else { return .null }
        return .array([number(interval.lower), number(interval.upper)])
    }

    static func arm(_ arm: ABTestArm, interval: ProportionStatistics.Interval?, unitsWithOutcomes: Int) -> JSONValue {
        compact([
            "users": .integer(Int64(arm.assignedUsers)),
            "units_with_outcomes": .integer(Int64(unitsWithOutcomes)),
            "n": .integer(Int64(arm.outcomes)),
            "conversions": .integer(Int64(arm.conversions)),
            "rate": number(arm.rate),
            "rate_ci95": AnalyticsReplies.interval(interval),
            "avg_duration_seconds": number(arm.averageDuration),
            "avg_user_rating": number(arm.averageRating),
        ])
    }

    static func testFields(_ test: ABTestRecord) -> [String: JSONValue] {
        let config = test.config
        return [
            "test_id": .integer(config.testID),
            "test_name": .string(config.name),
            "description": config.description.map { .string($0) } ?? .null,
            "control_strategy": .string(config.controlStrategy),
            "treatment_strategy": .string(config.treatmentStrategy),
            "assignment_ratio": .number(config.assignmentRatio),
            "min_sample_size": .integer(Int64(config.minimumSampleSize)),
            "metric": .string(config.metric),
            "minimum_detectable_effect": number(config.minimumDetectableEffect),
            "randomization_unit": .string(config.unit.rawValue),
            "status": .string(test.status),
            "start_date": .string(config.startDate),
            "end_date": test.endDate.map { .string($0) } ?? .null,
        ]
    }

    static func summary(_ test: ABTestRecord) -> JSONValue {
        let analysis = test.analysis
        var fields = testFields(test)
        fields["control"] = arm(analysis.control, interval: analysis.controlInterval, unitsWithOutcomes: analysis.controlUnits)
        fields["treatment"] = arm(analysis.treatment, interval: analysis.treatmentInterval,
                                  unitsWithOutcomes: analysis.treatmentUnits)
        fields["difference"] = number(analysis.difference)
        fields["difference_ci95"] = interval(analysis.differenceInterval)
        fields["z_score"] = number(analysis.zScore)
        fields["p_value"] = number(analysis.pValue)
        fields["always_valid_p_value"] = number(analysis.alwaysValidPValue)
        fields["always_valid_ci95"] = interval(analysis.alwaysValidInterval)
        fields["decided_at"] = analysis.finalDecision.map { final in
            compact([
                "basis": .string(final.kind.rawValue),
                "control_n": .integer(Int64(final.controlOutcomes)),
                "treatment_n": .integer(Int64(final.treatmentOutcomes)),
                "difference": number(final.difference),
                "always_valid_p_value": number(final.pValue),
                "always_valid_ci95": interval(final.interval),
            ])
        } ?? .null
        fields["power"] = number(analysis.power)
        fields["decision"] = .string(analysis.decision.rawValue)
        fields["reason"] = .string(analysis.reason)
        // session-buddy's `analyze_results` keys, with their meanings: per-arm metrics over outcome rows, the
        // test's p-value (here the always-valid one the decision is taken on), the winner and the advice.
        fields["control_metrics"] = referenceMetrics(analysis.control)
        fields["treatment_metrics"] = referenceMetrics(analysis.treatment)
        fields["statistical_significance"] = number(analysis.alwaysValidPValue)
        let winner: String = switch analysis.finalDecision?.kind {
        case .treatmentBetter: "treatment"
        case .controlBetter: "control"
        case .noLiftOfEffect, nil: "inconclusive"
        }
        fields["winner"] = .string(winner)
        fields["recommendation"] = .string(analysis.reason)
        return compact(fields)
    }

    static func referenceMetrics(_ arm: ABTestArm) -> JSONValue {
        compact([
            "sample_size": .integer(Int64(arm.outcomes)),
            "completion_rate": number(arm.rate),
            "avg_duration_seconds": number(arm.averageDuration),
            "avg_user_rating": number(arm.averageRating),
        ])
    }

    static func listing(_ test: ABTestRecord) -> JSONValue {
        var fields = testFields(test)
        fields["control_n"] = .integer(Int64(test.control.outcomes))
        fields["treatment_n"] = .integer(Int64(test.treatment.outcomes))
        fields["users"] = .integer(Int64(test.assignments.count))
        return compact(fields)
    }

    static func recommendations(_ answer: RecommendationAnswer, user: String, timestamp: String) -> JSONValue {
        let items = answer.items
        var message = "Generated \(items.count) recommendation\(items.count == 1 ? "" : "s") for \(user.prefix(128))"
        if let reason = answer.reason { message += ": " + reason.explanation }
        return compact([
            "user_id": .string(user),
            "recommendations": .array(items.map {
                compact(["skill_name": .string($0.skillName), "score": number($0.score),
                         "completion_rate": number($0.completionRate), "source": .string(referenceSource($0.source)),
                         "method": .string($0.source.rawValue)])
            }),
            "reason": answer.reason.map { .string($0.rawValue) } ?? .null,
            "message": .string(message),
            "timestamp": .string(timestamp),
        ])
    }

    /// session-buddy's `source` values: a migrated client tells the two kinds apart by them.
    static func referenceSource(_ source: SkillRecommendation.Source) -> String {
        switch source {
        case .similarUsers: "collaborative_filtering"
        case .popular: "global_popularity"
        }
    }

    static func clusters(_ clustering: SkillClustering, limit: Int, timestamp: String) -> JSONValue {
        compact([
            "clusters": .array(clustering.clusters.prefix(limit).enumerated().map { index, cluster in
                compact([
                    "cluster_rank": .integer(Int64(index + 1)),
                    "cluster_name": .string(cluster.name),
                    "size": .integer(Int64(cluster.members.count)),
                    "skills": .array(cluster.members.map {
                        compact(["skill_name": .string($0.skill), "membership_score": number($0.score)])
                    }),
                ])
            }),
            "total_clusters": .integer(Int64(clustering.clusters.count)),
            "clustered_skills": .integer(Int64(clustering.clusteredSkills)),
            "method": .string(SkillClustering.method),
            "modularity": number(clustering.modularity),
            "reason": clustering.clusters.isEmpty
                ? .string("no skills are used together in enough sessions to form a cluster yet") : .null,
            "timestamp": .string(timestamp),
        ])
    }
}
