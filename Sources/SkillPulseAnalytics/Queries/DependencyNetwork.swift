/// One row of `get_skill_dependencies`: the other skill and how the two go together.
public struct SkillDependency: Sendable, Encodable, Equatable {
    public let skillB: String
    public let coOccurrenceCount: Int
    public let liftScore: Double
    /// P(skill_b in a session | skill_name in it).
    public let confidence: Double
    /// P(skill_name | skill_b).
    public let reverseConfidence: Double
    /// session-buddy's scale: lift ≥ 3 `very_strong_positive`, ≥ 2 `strong_positive`, ≥ 1.5 `moderate_positive`,
    /// else `weak_positive` (negative associations included: see `direction`).
    public let relationshipType: String
    /// `positive`, `independent` or `negative` (lift above, at or below 1).
    public let direction: String
    /// `observed` from sessions, or `seeded` (a taxonomy pair with no observed sessions yet).
    public let source: String

    enum CodingKeys: String, CodingKey {
        case skillB = "skill_b", coOccurrenceCount = "co_occurrence_count", liftScore = "lift_score", confidence
        case reverseConfidence = "reverse_confidence", relationshipType = "relationship_type", direction, source
    }
}

/// A stored dependency row that analytics did not derive (the taxonomy's seeds): shown until sessions speak.
public struct SeededDependency: Sendable, Equatable {
    public let skillA: String
    public let skillB: String
    public let coOccurrenceCount: Int
    public let liftScore: Double

    public init(skillA: String, skillB: String, coOccurrenceCount: Int, liftScore: Double) {
        self.skillA = skillA
        self.skillB = skillB
        self.coOccurrenceCount = coOccurrenceCount
        self.liftScore = liftScore
    }
}

extension AnalyticsState {
    /// Skills that share sessions with `skill`, strongest lift first: only pairs seen together in at least
    /// `minimumTogether` sessions, so two chance sessions cannot make a "very strong" dependency.
    public func dependencies(of skill: String, limit: Int, minimumLift: Double, minimumTogether: Int,
                             seeded: [SeededDependency] = []) -> [SkillDependency] {
        var result: [SkillDependency] = []
        let id = skillIDs[skill]
        for other in id.map({ partners[Int($0)] }) ?? [] {
            let count = together(id!, other)
            guard count >= minimumTogether, let association = association(id!, other), association.lift >= minimumLift
            else { continue }
            result.append(SkillDependency(skillB: skillNames[Int(other)], coOccurrenceCount: count,
                                          liftScore: association.lift,
                                          confidence: association.confidenceAToB,
                                          reverseConfidence: association.confidenceBToA,
                                          relationshipType: association.relationshipType,
                                          direction: Association.direction(lift: association.lift), source: "observed"))
        }
        for seed in seeded where seed.liftScore >= minimumLift {
            let other = seed.skillA == skill ? seed.skillB : (seed.skillB == skill ? seed.skillA : nil)
            // A seed stays until its pair is observed often enough to be shown in its place (not only until
            // the first session that uses both, which would leave neither).
            guard let other, id.flatMap({ id in skillIDs[other].map { together(id, $0) } }) ?? 0 < minimumTogether
            else { continue }
            result.append(SkillDependency(skillB: other, coOccurrenceCount: seed.coOccurrenceCount,
                                          liftScore: seed.liftScore, confidence: 0, reverseConfidence: 0,
                                          relationshipType: Association.relationshipType(lift: seed.liftScore),
                                          direction: Association.direction(lift: seed.liftScore), source: "seeded"))
        }
        result.sort { $0.liftScore > $1.liftScore
            || ($0.liftScore == $1.liftScore && ($0.coOccurrenceCount, $1.skillB) > ($1.coOccurrenceCount, $0.skillB)) }
        return Array(result.prefix(limit))
    }

    /// The association of two skills over sessions, nil if they never shared one.
    public func association(_ a: String, _ b: String) -> Association? {
        guard let first = skillIDs[a], let second = skillIDs[b] else { return nil }
        return association(first, second)
    }

    func association(_ a: Int32, _ b: Int32) -> Association? {
        Association(together: together(a, b), sessionsWithA: sessionsWithSkill[Int(a)],
                    sessionsWithB: sessionsWithSkill[Int(b)], sessions: sessionCount)
    }
}
