import SkillPulseCore
import SkillPulseWire

/// The data set of `bench analytics`: invocations over `days` ending now, in time order, from sessions of
/// related skills (so co-occurrence has structure), skills with their own success rates and latencies, and a
/// Zipf-like popularity, pre-encoded as `track_batch` frames.
struct BenchAnalyticsData {
    let invocations: Int
    let skills: Int
    let users: Int
    let days: Int
    let batch: Int
    let runID: UInt64

    /// One generated invocation.
    struct GeneratedInvocation {
        let session: String
        let skill: Int
        let user: Int
        let completed: Bool
        let duration: Double
        let time: Int64
        var skillName: String { "bench-a-skill-\(skill)" }
        var userName: String { "bench-a-user-\(user)" }
        var phase: String { ["setup", "execution", "verification", "cleanup"][skill % 4] }
    }

    /// Generates the data set in time order (the same rows for the same `runID` and `now`).
    func forEachRow(now: Int64, _ body: (GeneratedInvocation) -> Void) {
        var random = SplitMix64(seed: runID)
        let span = Int64(days) * 86_400_000
        let start = now - span
        let step = Double(span) / Double(invocations)
        // Skills come in families of 20 (one family per session), each with its own success rate and mean.
        let success = (0..<skills).map { _ in 0.6 + 0.39 * random.unit() }
        let meanSeconds = (0..<skills).map { _ in 0.05 + 30 * random.unit() * random.unit() }
        var active: [(id: String, user: Int, family: Int, remaining: Int)] = []
        var sessionCounter = 0
        for index in 0..<invocations {
            if active.count < 200 || random.unit() < 0.05 {
                sessionCounter += 1
                active.append(("bench-a-\(runID)-\(sessionCounter)", Int(random.next() % UInt64(users)),
                               Int(random.next() % UInt64(max(1, skills / 20))), 3 + Int(random.next() % 15)))
            }
            let slot = Int(random.next() % UInt64(active.count))
            let session = active[slot]
            // Mostly the session's family (popular members first), sometimes any skill.
            let skill: Int
            if random.unit() < 0.8 {
                let member = Int(Double(20) * random.unit() * random.unit())
                skill = min(skills - 1, session.family * 20 + member)
            } else {
                skill = Int(random.next() % UInt64(skills))
            }
            let completed = random.unit() < success[skill]
            let duration = meanSeconds[skill] * (0.5 + random.unit())
            body(GeneratedInvocation(session: session.id, skill: skill, user: session.user, completed: completed,
                                     duration: (duration * 1000).rounded() / 1000, time: start + Int64(Double(index) * step)))
            active[slot].remaining -= 1
            if active[slot].remaining <= 0 { active.remove(at: slot) }
        }
    }

    /// The data set as `track_batch` frames of `batch` invocations.
    func requests(now: Int64) -> [BenchRequest] {
        var requests: [BenchRequest] = []
        var items: [String] = []
        items.reserveCapacity(batch)
        var index = 0
        forEachRow(now: now) { row in
            let stamp = UTCTimestamp(millisecondsSinceEpoch: row.time).normalized
            items.append(#"{"session_id":"\#(row.session)","skill_name":"\#(row.skillName)","completed":\#(row.completed),"duration_seconds":\#(row.duration),"invoked_at":"\#(stamp)","workflow_phase":"\#(row.phase)","user_id":"\#(row.userName)"}"#)
            index += 1
            if items.count == batch || index == invocations {
                let sequence = requests.count
                let payload = #"{"id":\#(sequence),"op":"track_batch","params":{"invocations":[\#(items.joined(separator: ","))]}}"#
                requests.append(BenchRequest(frame: WireFrame.bytes(payload: Array(payload.utf8)), events: items.count,
                                             sequence: sequence))
                items.removeAll(keepingCapacity: true)
            }
        }
        return requests
    }
}
