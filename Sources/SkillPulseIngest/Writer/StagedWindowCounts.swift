import SkillPulseStore

/// The sliding windows behind `skill_metrics_cache`'s 1 h / 24 h figures, with the invocations of the
/// transaction in progress staged beside them: the figures the transaction writes count them, but the windows
/// themselves change only once the transaction committed (`commitStaged`); a failed one leaves them as they
/// were (`discardStaged`).
///
/// Recording a batch's rows before its COMMIT made every failed batch count: after a full disk the windows held
/// 19,510 invocations with 9,510 stored (10–13× the failures under pipelined load, a failed batch counting once
/// for its shared attempt and again for each command retried alone), and every later cache row was written from
/// them until a restart re-read the table. No I/O: the writer feeds it and persists what it reads.
public struct StagedWindowCounts: Sendable {
    /// Window lengths in minutes, e.g. `[60, 1440]`.
    public var windows: [Int64] { committed.windows }
    private var committed: SlidingWindowCounts<String>
    /// Staged tallies by skill.
    private var staged: [String: [MinuteTally]] = [:]

    public init(windowMinutes: [Int64]) {
        committed = SlidingWindowCounts(windowMinutes: windowMinutes)
    }

    /// True while a transaction's tallies are staged.
    public var hasStaged: Bool { !staged.isEmpty }

    /// Adds committed invocations at once (the rows the start-up seeding reads from the table).
    public mutating func record(_ tallies: [MinuteTally], now: Int64) {
        for tally in tallies {
            committed.record(tally.skill, minute: tally.minute, count: tally.count, completed: tally.completed, now: now)
        }
    }

    /// Stages invocations of the transaction in progress, as of `now`: `totals` and `holds` count them until
    /// they are committed or discarded. Minutes before the longest window's edge minute are left out, as
    /// `SlidingWindowCounts.record` leaves them out.
    public mutating func stage(_ tallies: [MinuteTally], now: Int64) {
        let oldest = now - (windows.max() ?? 0)
        for tally in tallies where tally.minute >= oldest { staged[tally.skill, default: []].append(tally) }
    }

    /// The transaction committed: its staged invocations join the windows.
    public mutating func commitStaged(now: Int64) {
        let tallies = staged.values.joined()
        staged.removeAll(keepingCapacity: true)
        record(Array(tallies), now: now)
    }

    /// The transaction rolled back: its staged invocations never happened.
    public mutating func discardStaged() {
        staged.removeAll(keepingCapacity: true)
    }

    /// The totals of `skill` as of `now`, staged invocations included — what the windows will hold if the
    /// transaction commits.
    public mutating func totals(_ skill: String, now: Int64) -> SlidingWindowCounts<String>.Totals {
        var totals = committed.totals(skill, now: now)
        for tally in staged[skill] ?? [] {
            // `SlidingWindowCounts`' rule: a window of W minutes holds the minutes after now − W.
            for (index, window) in windows.enumerated() where tally.minute > now - window {
                totals.count[index] += tally.count
                totals.completed[index] += tally.completed
            }
        }
        return totals
    }

    /// Whether `skill` has invocations at `minute`, committed (see `SlidingWindowCounts.holds`) or staged.
    public func holds(_ skill: String, minute: Int64) -> Bool {
        committed.holds(skill, minute: minute)
            || (staged[skill]?.contains { $0.minute == minute && $0.count > 0 } ?? false)
    }
}
