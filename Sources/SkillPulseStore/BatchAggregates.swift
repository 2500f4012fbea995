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
        let hour: String
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

    mutating func add(_ invocation: InvocationInput, at normalized: String) {
        let skill = invocation.skillName
        if skills[skill] == nil {
            skills[skill] = SkillTotals(first: normalized, last: normalized)
            skillOrder.append(skill)
        }
        skills[skill]!.total += 1
        if invocation.completed {
            skills[skill]!.completed += 1
            skills[skill]!.completedDuration += invocation.durationSeconds ?? 0
        }
        if let path = invocation.workflowPath { skills[skill]!.workflowPaths[path, default: 0] += 1 }
        if let error = invocation.errorType { skills[skill]!.errors[error, default: 0] += 1 }
        if let action = invocation.followUpActions?.first { skills[skill]!.followUps[action, default: 0] += 1 }
        if normalized < skills[skill]!.first { skills[skill]!.first = normalized }
        if normalized > skills[skill]!.last { skills[skill]!.last = normalized }

        sessionSkills[PairKey(session: invocation.sessionID, skill: skill), default: 0] += 1

        // The normalised form is fixed-width, so the hour's start is its first 13 characters plus zeros.
        let key = HourKey(skill: skill, hour: normalized.prefix(13) + ":00:00.000Z")
        var hour = hours[key] ?? HourTotals()
        hour.count += 1
        if invocation.completed { hour.completed += 1 }
        if let duration = invocation.durationSeconds {
            hour.durationSum += duration
            hour.durationCount += 1
        }
        hour.sessions.insert(invocation.sessionID)
        hours[key] = hour
    }
}
