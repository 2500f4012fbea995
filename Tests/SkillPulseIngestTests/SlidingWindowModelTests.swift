import SkillPulseIngest
import Testing

/// SlidingWindowCounts against a brute-force model that keeps every event.
struct SlidingWindowModelTests {
    struct Event {
        let key: Int
        let minute: Int64
        let count: Int
        let completed: Int
    }

    static func model(_ events: [Event], key: Int, now: Int64, window: Int64) -> (Int, Int) {
        events.filter { $0.key == key && $0.minute > now - window }
            .reduce((0, 0)) { ($0.0 + $1.count, $0.1 + $1.completed) }
    }

    @Test func matchesABruteForceModelUnderRandomTraffic() {
        var generator = SystemRandomNumberGenerator()
        var counts = SlidingWindowCounts<Int>(windowMinutes: [60, 1440])
        var events: [Event] = []
        var now: Int64 = 29_000_000
        for _ in 0..<5000 {
            now += Int64.random(in: 0...3, using: &generator)
            let key = Int.random(in: 0..<4, using: &generator)
            // Mostly current, sometimes back-dated, rarely beyond the longest window or a little ahead.
            let minute = now - [0, 0, 0, 1, 5, 59, 60, 61, 300, 1439, 1440, 2000, -2].randomElement(using: &generator)!
            let count = Int.random(in: 1...3, using: &generator)
            let completed = Int.random(in: 0...count, using: &generator)
            counts.record(key, minute: minute, count: count, completed: completed, now: now)
            if minute > now - 1440 { events.append(Event(key: key, minute: minute, count: count, completed: completed)) }
            let probe = Int.random(in: 0..<5, using: &generator)
            let totals = counts.totals(probe, now: now)
            for (index, window) in [Int64(60), 1440].enumerated() {
                let (expected, expectedCompleted) = Self.model(events, key: probe, now: now, window: window)
                #expect(totals.count[index] == expected)
                #expect(totals.completed[index] == expectedCompleted)
            }
        }
    }

    @Test func expiredKeysReadAsZeroAndRatesAreNilWhenEmpty() {
        var counts = SlidingWindowCounts<String>(windowMinutes: [60, 1440])
        counts.record("a", minute: 100, count: 4, completed: 3, now: 100)
        #expect(counts.totals("a", now: 100).completionRate(0) == 0.75)
        #expect(counts.totals("a", now: 160).count == [0, 4])
        #expect(counts.totals("a", now: 1540).count == [0, 0])
        #expect(counts.totals("never", now: 100).completionRate(1) == nil)
    }
}
