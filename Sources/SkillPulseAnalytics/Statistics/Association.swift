/// How strongly two skills go together across sessions.
public struct Association: Sendable, Equatable {
    /// Sessions that used both.
    public let together: Int
    /// lift = together · N / (n_a · n_b): 1 when independent, above 1 when they attract.
    public let lift: Double
    /// P(b | a) = together / n_a.
    public let confidenceAToB: Double
    /// P(a | b) = together / n_b.
    public let confidenceBToA: Double

    /// `sessions` is N, the number of sessions with at least one invocation; `sessionsWithA`/`WithB` are
    /// n_a and n_b. Nil when any count is zero.
    public init?(together: Int, sessionsWithA: Int, sessionsWithB: Int, sessions: Int) {
        guard together > 0, sessionsWithA > 0, sessionsWithB > 0, sessions > 0 else { return nil }
        self.together = together
        lift = Double(together) * Double(sessions) / (Double(sessionsWithA) * Double(sessionsWithB))
        confidenceAToB = Double(together) / Double(sessionsWithA)
        confidenceBToA = Double(together) / Double(sessionsWithB)
    }

    /// The reference's names for the strength of a lift (`get_skill_dependencies`), plus `negative` below 1.
    public var relationshipType: String {
        Association.relationshipType(lift: lift)
    }

    public static func relationshipType(lift: Double) -> String {
        switch lift {
        case 3...: return "very_strong_positive"
        case 2..<3: return "strong_positive"
        case 1.5..<2: return "moderate_positive"
        default: return "weak_positive"
        }
    }

    /// Which way the association goes: `positive` (lift > 1), `independent` (= 1) or `negative` (< 1).
    /// session-buddy's `relationship_type` calls every lift below 1.5 `weak_positive`, negative ones included;
    /// that key keeps its scale for migrated clients, and this one says the direction.
    public static func direction(lift: Double) -> String {
        lift > 1 ? "positive" : lift < 1 ? "negative" : "independent"
    }
}
