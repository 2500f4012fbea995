import SkillPulseCore
import Testing

/// The one stored time form: 24 characters, UTC, sorts like time.
struct TimestampNormalisationTests {
    @Test(arguments: [
        ("2026-11-25T03:00:00.123Z", "2026-11-25T03:00:00.123Z"),
        ("2026-11-25T03:00:00Z", "2026-11-25T03:00:00.000Z"),
        ("2026-11-25T04:00:00.5+01:00", "2026-11-25T03:00:00.500Z"),
        ("2026-11-24T21:30:00-0530", "2026-11-25T03:00:00.000Z"),
        ("2026-11-25 03:00:00.123456z", "2026-11-25T03:00:00.123Z"),
        ("2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"),
        ("1969-12-31T23:59:59.001Z", "1969-12-31T23:59:59.001Z"),
    ])
    func parsesZonedISO8601IntoTheStoredForm(input: String, expected: String) throws {
        let parsed = try #require(UTCTimestamp(iso8601: input))
        #expect(parsed.normalized == expected)
        #expect(UTCTimestamp(iso8601: parsed.normalized) == parsed)
    }

    @Test(arguments: [
        "2026-11-25T03:00:00", "2026-02-30T00:00:00Z", "2026-11-25T24:00:00Z", "2026-13-01T00:00:00Z",
        "2026-11-25T03:00:00.Z", "2026-11-25T03:00:00Zjunk", "yesterday", "", "2026-11-25",
    ])
    func rejectsTimestampsWithoutAZoneOrWithImpossibleFields(input: String) {
        #expect(UTCTimestamp(iso8601: input) == nil)
    }

    @Test func lenientParsingReadsZonelessValuesAsUTC() {
        #expect(UTCTimestamp(lenientISO8601: "2026-11-20T10:15:30.123456")?.normalized == "2026-11-20T10:15:30.123Z")
    }

    @Test func normalisedTextSortsLikeTime() {
        var generator = SystemRandomNumberGenerator()
        let instants = (0..<2000).map { _ in
            UTCTimestamp(millisecondsSinceEpoch: Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &generator))
        }
        for instant in instants {
            #expect(instant.normalized.count == 24)
            #expect(UTCTimestamp(iso8601: instant.normalized) == instant)
        }
        #expect(instants.sorted().map(\.normalized) == instants.map(\.normalized).sorted())
    }

    @Test func hourStartTruncatesToTheUTCHour() throws {
        let instant = try #require(UTCTimestamp(iso8601: "2026-11-25T03:59:59.999Z"))
        #expect(instant.hourStart.normalized == "2026-11-25T03:00:00.000Z")
    }
}
