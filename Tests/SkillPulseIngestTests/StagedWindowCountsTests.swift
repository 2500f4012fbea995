import SkillPulseCore
import SkillPulseIngest
import SkillPulseStore
import Testing

/// The cache windows' bookkeeping across transactions: staged invocations count in the figures a transaction
/// writes, join the windows only when it commits, and vanish when it fails — against windows fed only what
/// committed.
struct StagedWindowCountsTests {
    static let windows: [Int64] = [60, 1_440]

    @Test func aFailedBatchAndItsRetriesLeaveTheWindowsAsTheyWere() {
        let now: Int64 = 29_000_000
        var counts = StagedWindowCounts(windowMinutes: Self.windows)
        counts.record([MinuteTally(skill: "lint", minute: now - 5, count: 10, completed: 4)], now: now)
        let before = counts.totals("lint", now: now)

        // The shared attempt of a two-command batch, then each command alone: all fail (a full disk).
        let first = [MinuteTally(skill: "lint", minute: now, count: 9_500, completed: 9_000)]
        let second = [MinuteTally(skill: "lint", minute: now - 1, count: 500, completed: 100),
                      MinuteTally(skill: "test", minute: now, count: 7, completed: 7)]
        for attempt in [first + second, first, second] {
            counts.stage(attempt, now: now)
            // What the transaction would write into the cache counts its own rows.
            let staged = attempt.filter { $0.skill == "lint" }.reduce(0) { $0 + $1.count }
            #expect(counts.totals("lint", now: now).count == [10 + staged, 10 + staged])
            #expect(counts.holds("lint", minute: attempt[0].minute))
            counts.discardStaged()
        }
        #expect(counts.totals("lint", now: now) == before)
        #expect(counts.totals("test", now: now).count == [0, 0])
        #expect(!counts.holds("test", minute: now) && !counts.hasStaged)

        // The next batch commits: only its rows join.
        counts.stage([MinuteTally(skill: "lint", minute: now, count: 2, completed: 1)], now: now)
        counts.commitStaged(now: now)
        #expect(counts.totals("lint", now: now) == .init(count: [12, 12], completed: [5, 5]))
    }

    /// Random batches of random tallies, each committed or failed, against plain windows fed only the
    /// committed ones: the figures read during every transaction and after it agree.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func matchesWindowsFedOnlyWhatCommitted(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var counts = StagedWindowCounts(windowMinutes: Self.windows)
        var reference = SlidingWindowCounts<String>(windowMinutes: Self.windows)
        let skills = ["lint", "test", "format", "deploy"]
        var now: Int64 = 29_000_000
        var mismatches: [String] = []
        for step in 0..<3_000 {
            now += Int64.random(in: 0...3, using: &rng)
            let tallies = (0..<Int.random(in: 1...6, using: &rng)).map { _ in
                let count = Int.random(in: 1...50, using: &rng)
                return MinuteTally(skill: skills.randomElement(using: &rng)!,
                                   minute: now - Int64.random(in: -2...1_500, using: &rng),
                                   count: count, completed: Int.random(in: 0...count, using: &rng))
            }
            counts.stage(tallies, now: now)
            // During the transaction: the reference as if it had committed.
            var preview = reference
            for tally in tallies {
                preview.record(tally.skill, minute: tally.minute, count: tally.count, completed: tally.completed, now: now)
            }
            for skill in skills where counts.totals(skill, now: now) != preview.totals(skill, now: now) {
                mismatches.append("step \(step) \(skill) staged")
            }
            for tally in tallies where counts.holds(tally.skill, minute: tally.minute) != preview.holds(tally.skill, minute: tally.minute) {
                mismatches.append("step \(step) \(tally.skill) holds \(tally.minute)")
            }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                counts.discardStaged()
            } else {
                counts.commitStaged(now: now)
                reference = preview
            }
            for skill in skills where counts.totals(skill, now: now) != reference.totals(skill, now: now) {
                mismatches.append("step \(step) \(skill) settled")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }
}
