import Foundation
import SkillPulseCore
import SkillPulseWire

/// Invocations with known structure, sent through a real ingest: an hour-old completion drop, rising,
/// falling and flat daily series, and session pairs with a known lift.
enum AnalyticsPlantedData {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static func stamp(_ millis: Int64) -> String { UTCTimestamp(millisecondsSinceEpoch: millis).normalized }

    static func invocation(_ skill: String, session: String, user: String = "planter", at time: Int64,
                           completed: Bool, duration: Double = 1.5) -> JSONValue {
        .object([
            "session_id": .string(session), "skill_name": .string(skill), "completed": .bool(completed),
            "duration_seconds": .number(duration), "invoked_at": .string(stamp(time)), "user_id": .string(user),
        ])
    }

    /// Everything, relative to `now`.
    static func all(now: Int64) -> [JSONValue] {
        var rows: [JSONValue] = []
        // 24 baseline hours of 20 calls at 90 % for "steady" and "flaky"; then the last hour, where flaky
        // completes 40 %.
        for hourBack in 1...24 {
            for call in 0..<20 {
                let time = now - Int64(hourBack) * hour - Int64(call) * 60_000 - 30_000
                for skill in ["steady", "flaky"] {
                    rows.append(invocation(skill, session: "base-\(skill)-\(hourBack)", at: time, completed: call % 10 != 0))
                }
            }
        }
        for call in 0..<20 {
            let time = now - Int64(call) * 60_000 - 20_000
            rows.append(invocation("steady", session: "last-steady", at: time, completed: call % 10 != 0))
            rows.append(invocation("flaky", session: "last-flaky", at: time, completed: call % 5 < 2))
        }
        // 14 days of 40 calls a day, two days ago and before (outside the anomaly window's last hour).
        for dayBack in 0..<14 {
            let dayIndex = 13 - dayBack
            for call in 0..<40 {
                let time = now - Int64(dayBack) * day - 2 * hour - Int64(call) * 60_000
                let rising = Double(call) < (0.4 + 0.04 * Double(dayIndex)) * 40
                let falling = Double(call) < (0.95 - 0.04 * Double(dayIndex)) * 40
                rows.append(invocation("trend-rising", session: "t-\(dayBack)", at: time, completed: rising))
                rows.append(invocation("trend-falling", session: "t-\(dayBack)", at: time, completed: falling))
                rows.append(invocation("trend-flat", session: "t-\(dayBack)", at: time, completed: call % 5 != 0))
            }
        }
        // Pairs: "lint" and "format" share 12 of 30 sessions; "deploy" appears alone.
        for index in 0..<30 {
            let time = now - 3 * hour - Int64(index) * 60_000
            let session = "pair-\(index)"
            let user = "user-\(index % 6)"
            if index < 12 || index >= 24 {
                rows.append(invocation("lint", session: session, user: user, at: time, completed: true, duration: 2))
            }
            if index < 18 {
                rows.append(invocation("format", session: session, user: user, at: time + 1, completed: index % 4 != 0,
                                       duration: Double(index % 5) + 1))
            }
            if index >= 18 { rows.append(invocation("deploy", session: session, user: user, at: time + 2, completed: true)) }
        }
        return rows
    }

    /// Sends `rows` through `client` in `track_batch` requests.
    static func send(_ rows: [JSONValue], through client: WireClient) async throws {
        for start in stride(from: 0, to: rows.count, by: 5_000) {
            let batch = Array(rows[start..<min(start + 5_000, rows.count)])
            _ = try await client.call("track_batch", params: .object(["invocations": .array(batch)])).get()
        }
    }
}
