import SkillPulseCore

/// What one batch adds to the rollups, accumulated in memory so each rollup row is written once per batch
/// instead of once per invocation (per-row triggers cost ~2× the insert itself on this hardware).
struct BatchAggregates {
    struct SkillTotals {
        var total = 0
        var completed = 0
        var completedDuration = 0.0
        var workflowPaths: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var followUps: [String: Int] = [:]
        var first: String
        var last: String
    }

    struct HourKey: Hashable {
        let skill: String
        /// Milliseconds since the epoch at the start of the UTC hour: hashing an integer is cheaper than
        /// building and hashing the hour's text for every invocation.
        let hourStart: Int64

        /// The hour as `skill_time_series.timestamp` stores it.
        var hour: String { UTCTimestamp(millisecondsSinceEpoch: hourStart).normalized }
    }

    struct HourTotals {
        var count = 0
        var completed = 0
        var durationSum = 0.0
        var durationCount = 0
        var sessions: Set<String> = []
    }

    struct PairKey: Hashable {
        let session: String
        let skill: String
    }

    var skills: [String: SkillTotals] = [:]
    var sessionSkills: [PairKey: Int] = [:]
    var hours: [HourKey: HourTotals] = [:]
    var skillOrder: [String] = []

    /// Every collection is updated in place (`subscript(_:default:)`), one hash lookup each: copying an
    /// entry out and back would also copy its nested dictionaries and session set on every invocation.
    mutating func add(_ invocation: InvocationInput, at normalized: String) {
        let skill = invocation.skillName
        if skills[skill] == nil { skillOrder.append(skill) }
        Self.add(invocation, at: normalized, to: &skills[skill, default: SkillTotals(first: normalized, last: normalized)])
        sessionSkills[PairKey(session: invocation.sessionID, skill: skill), default: 0] += 1
        Self.add(invocation, to: &hours[HourKey(skill: skill, hourStart: invocation.invokedAt.hourStart.millisecondsSinceEpoch),
                                        default: HourTotals()])
    }

    private static func add(_ invocation: InvocationInput, at normalized: String, to totals: inout SkillTotals) {
        totals.total += 1
        if invocation.completed {
            totals.completed += 1
            totals.completedDuration += invocation.durationSeconds ?? 0
        }
        if let path = invocation.workflowPath { totals.workflowPaths[path, default: 0] += 1 }
        if let error = invocation.errorType { totals.errors[error, default: 0] += 1 }
        if let action = invocation.followUpActions?.first { totals.followUps[action, default: 0] += 1 }
        if normalized < totals.first { totals.first = normalized }
        if normalized > totals.last { totals.last = normalized }
    }

    private static func add(_ invocation: InvocationInput, to hour: inout HourTotals) {
        hour.count += 1
        if invocation.completed { hour.completed += 1 }
        if let duration = invocation.durationSeconds {
            hour.durationSum += duration
            hour.durationCount += 1
        }
        hour.sessions.insert(invocation.sessionID)
    }
}
