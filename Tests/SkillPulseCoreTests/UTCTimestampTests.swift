import Foundation
import SkillPulseCore
import Testing

/// `UTCTimestamp`: the stored 24-character form, ISO-8601 parsing in the forms SQLite reads alike, hour truncation.
struct UTCTimestampTests {
    /// A seeded generator so every run checks the same instants.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the range a 4-digit year can hold.
    static let earliest: Int64 = -62_135_596_800_000
    static let latest: Int64 = 253_402_300_799_999

    static func ms(_ text: String) throws -> Int64 {
        try #require(UTCTimestamp(iso8601: text)).millisecondsSinceEpoch
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The normalized form as an independent oracle (Foundation's calendar) would write it.
    static func oracle(_ milliseconds: Int64) -> String {
        let millis = ((milliseconds % 1000) + 1000) % 1000
        let date = Date(timeIntervalSince1970: Double((milliseconds - millis) / 1000))
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? -1)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):"
            + "\(pad(c.second, 2)).\(pad(Int(millis), 3))Z"
    }

    static func hasStoredShape(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 24 else { return false }
        let template = Array("dddd-dd-ddTdd:dd:dd.dddZ".utf8)
        for (byte, expected) in zip(bytes, template) {
            if expected == UInt8(ascii: "d") {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
            } else if byte != expected {
                return false
            }
        }
        return true
    }

    // MARK: - The stored form

    @Test func normalizedFormIsAlways24CharactersSortsLikeTimeAndRoundTrips() {
        var rng = SplitMix64(seed: 0x5EED_0001)
        var instants: [UTCTimestamp] = []
        // Anywhere in years 1…9999, a dense band around the epoch (both sides of 1970), and exact edges.
        for _ in 0..<3000 {
            instants.append(UTCTimestamp(millisecondsSinceEpoch: Int64.random(in: Self.earliest...Self.latest, using: &rng)))
        }
        for _ in 0..<2000 {
            instants.append(UTCTimestamp(millisecondsSinceEpoch: Int64.random(in: -5_000_000_000_000...5_000_000_000_000,
                                                                               using: &rng)))
        }
        for edge: Int64 in [Self.earliest, Self.latest, -1, 0, 1, -999, -1000, -1001, 999, 1000] {
            instants.append(UTCTimestamp(millisecondsSinceEpoch: edge))
        }
        for instant in instants {
            let text = instant.normalized
            #expect(Self.hasStoredShape(text), "\(instant.millisecondsSinceEpoch) → \(text)")
            #expect(UTCTimestamp(iso8601: text) == instant, "round trip of \(text)")
            #expect(instant.description == text)
        }
        let byTime = instants.sorted().map(\.normalized)
        let byText = instants.map(\.normalized).sorted()
        #expect(byTime == byText)
    }

    @Test func normalizedAgreesWithFoundationsGregorianCalendar() {
        // Foundation switches to the Julian calendar before 1582, so compare from 1600 on.
        let from: Int64 = -11_676_096_000_000  // 1600-01-01T00:00:00Z
        var rng = SplitMix64(seed: 0x5EED_0002)
        for _ in 0..<2000 {
            let value = Int64.random(in: from...Self.latest, using: &rng)
            #expect(UTCTimestamp(millisecondsSinceEpoch: value).normalized == Self.oracle(value))
        }
        #expect(UTCTimestamp(millisecondsSinceEpoch: 0).normalized == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp(millisecondsSinceEpoch: -1).normalized == "1969-12-31T23:59:59.999Z")
        #expect(UTCTimestamp(millisecondsSinceEpoch: Self.earliest).normalized == "0001-01-01T00:00:00.000Z")
        #expect(UTCTimestamp(millisecondsSinceEpoch: Self.latest).normalized == "9999-12-31T23:59:59.999Z")
    }

    @Test func leapDaysFormatParseAndRoundTrip() throws {
        var rng = SplitMix64(seed: 0x5EED_0003)
        var checked = 0
        while checked < 300 {
            let year = Int.random(in: 1...9999, using: &rng)
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let yyyy = String(repeating: "0", count: 4 - String(year).count) + String(year)
            let text = "\(yyyy)-02-29T12:34:56.789Z"
            if leap {
                let parsed = try #require(UTCTimestamp(iso8601: text), "\(text)")
                #expect(parsed.normalized == text)
                // The next day is March 1st, the day before February 28th.
                #expect(parsed.adding(milliseconds: 86_400_000).normalized == "\(yyyy)-03-01T12:34:56.789Z")
                #expect(parsed.adding(milliseconds: -86_400_000).normalized == "\(yyyy)-02-28T12:34:56.789Z")
                checked += 1
            } else {
                #expect(UTCTimestamp(iso8601: text) == nil, "\(text) is not a leap year")
            }
        }
        #expect(UTCTimestamp(iso8601: "2000-02-29T00:00:00Z") != nil)
        #expect(UTCTimestamp(iso8601: "1900-02-29T00:00:00Z") == nil)
        #expect(UTCTimestamp(iso8601: "2100-02-29T00:00:00Z") == nil)
        #expect(UTCTimestamp(iso8601: "1968-02-29T23:59:59.999Z")?.normalized == "1968-02-29T23:59:59.999Z")
    }

    // MARK: - Parsing

    @Test(arguments: [
        ("2026-11-25T03:00:00Z", "2026-11-25T03:00:00.000Z"),
        ("2026-11-25T03:00:00z", "2026-11-25T03:00:00.000Z"),
        ("2026-11-25 03:00:00Z", "2026-11-25T03:00:00.000Z"),
        ("2026-11-25T05:00:00+02:00", "2026-11-25T03:00:00.000Z"),
        ("2026-11-24T21:30:00-05:30", "2026-11-25T03:00:00.000Z"),
        ("2026-11-25T03:00:00+00:00", "2026-11-25T03:00:00.000Z"),
        ("2026-11-25T03:00:00-00:00", "2026-11-25T03:00:00.000Z"),
        // Offsets that cross a day, a month and a year.
        ("2027-01-01T01:00:00+02:00", "2026-12-31T23:00:00.000Z"),
        ("2026-12-31T22:00:00-03:00", "2027-01-01T01:00:00.000Z"),
        ("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00.000Z"),
        ("1970-01-01T00:00:00+00:01", "1969-12-31T23:59:00.000Z"),
        ("2026-11-25T03:00:00+14:59", "2026-11-24T12:01:00.000Z"),
        ("2026-11-25T03:00:00-14:00", "2026-11-25T17:00:00.000Z"),
    ])
    func parsesZones(input: String, expected: String) throws {
        let parsed = try #require(UTCTimestamp(iso8601: input))
        #expect(parsed.normalized == expected)
    }

    @Test(arguments: [
        (".1", 100), (".12", 120), (".123", 123), (".1234", 123), (".12345", 123), (".123456", 123),
        (".1234567", 123), (".12345678", 123), (".123456789", 123), (".999999999", 999), (".0009", 0),
        (".05", 50),
    ])
    func fractionalDigitsAreTruncatedToMilliseconds(fraction: String, millis: Int) throws {
        let base = try Self.ms("2026-11-25T03:00:00Z")
        #expect(try Self.ms("2026-11-25T03:00:00\(fraction)Z") == base + Int64(millis))
        #expect(try Self.ms("2026-11-25T03:00:00\(fraction)+01:00") == base + Int64(millis) - 3_600_000)
    }

    @Test func fractionsBeforeTheEpochStillCountForward() throws {
        // 23:59:59.250 on the last day before the epoch is 750 ms before it, not 1 250 ms.
        #expect(try Self.ms("1969-12-31T23:59:59.250Z") == -750)
        #expect(UTCTimestamp(millisecondsSinceEpoch: -750).normalized == "1969-12-31T23:59:59.250Z")
    }

    @Test(arguments: [
        "2026-11-25T03:00:00",  // no zone
        "2026-11-25T03:00:00.123",  // no zone, with a fraction
        "2026-02-30T00:00:00Z",  // February 30th
        "2026-02-29T00:00:00Z",  // not a leap year
        "2026-04-31T00:00:00Z",  // April has 30 days
        "2026-11-25T24:00:00Z",  // hour 24
        "2026-11-25T23:60:00Z",  // minute 60
        "2026-13-01T00:00:00Z",  // month 13
        "2026-00-10T00:00:00Z",  // month 0
        "2026-11-00T00:00:00Z",  // day 0
        "2026-11-32T00:00:00Z",  // day 32
        "0000-01-01T00:00:00Z",  // year 0
        "2026-11-25T03:00:00.Z",  // empty fraction
        "2026-11-25T03:00:00.",  // empty fraction at the end
        "2026-11-25T03:00:00Zjunk",  // trailing characters
        "2026-11-25T03:00:00Z ",  // trailing space
        "2026-11-25T03:00:00+02:00x",  // trailing after an offset
        " 2026-11-25T03:00:00Z",  // leading space
        "2026-11-25T03:00:00+24:00",  // offset hour 24
        "2026-11-25T03:00:00+02:60",  // offset minute 60
        "2026-11-25T03:00:00+2:00",  // one-digit offset hour
        "2026-11-25T03:00:00+02",  // offset without minutes
        "2026-11-25T03:00:00UTC",  // a zone name
        "2026-1-25T03:00:00Z",  // one-digit month
        "2026-11-25T3:00:00Z",  // one-digit hour
        "2026-11-25X03:00:00Z",  // bad separator
        "2026-11-25",  // a date only
        "2026-11-25T03:00Z",  // no seconds
        "yesterday",  // garbage
        "",  // empty
        "２０２６-11-25T03:00:00Z",  // non-ASCII digits
        // Forms SQLite's date functions do not read: SQL would keep their text verbatim, so ingest refuses them.
        "2026-11-25t03:00:00Z",  // lowercase t
        "2026-11-25T05:00:00+0200",  // offset without a colon
        "2026-11-24T21:30:00-0530",
        "2026-11-25T03:00:00,5Z",  // comma fraction
        "2026-12-31T23:59:60Z",  // leap second
        "2026-12-31T23:59:60.200Z",
        "2026-11-25T10:15:60Z",
        "2026-11-25T03:00:00+15:00",  // SQLite reads offsets up to ±14:59
        "2026-11-25T03:00:00-23:59",
    ])
    func strictParsingRejects(input: String) {
        #expect(UTCTimestamp(iso8601: input) == nil, "\(input) must be rejected")
    }

    @Test func parsedRandomTextRoundTripsThroughTheStoredForm() throws {
        var rng = SplitMix64(seed: 0x5EED_0004)
        for _ in 0..<1000 {
            let instant = UTCTimestamp(millisecondsSinceEpoch: Int64.random(in: -3_000_000_000_000...6_000_000_000_000,
                                                                            using: &rng))
            let text = instant.normalized
            // The same instant written with an offset parses to the same value.
            let offsetMinutes = Int64.random(in: -(14 * 60 + 59)...(14 * 60 + 59), using: &rng)
            let local = instant.adding(milliseconds: offsetMinutes * 60_000).normalized.dropLast()  // drop "Z"
            let sign = offsetMinutes < 0 ? "-" : "+"
            let h = abs(offsetMinutes) / 60, m = abs(offsetMinutes) % 60
            let zone = sign + (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
            let withOffset = try #require(UTCTimestamp(iso8601: String(local) + zone), "\(local)\(zone)")
            #expect(withOffset == instant, "\(local)\(zone) vs \(text)")
            #expect(UTCTimestamp(iso8601: text) == instant)
        }
    }

    // MARK: - Arithmetic

    @Test func hourStartTruncatesToTheUTCHour() throws {
        #expect(try #require(UTCTimestamp(iso8601: "2026-11-25T03:59:59.999Z")).hourStart.normalized
                == "2026-11-25T03:00:00.000Z")
        #expect(try #require(UTCTimestamp(iso8601: "2026-11-25T03:00:00.000Z")).hourStart.normalized
                == "2026-11-25T03:00:00.000Z")
        // A half-hour zone: 05:29 +05:30 is 23:59 UTC the day before.
        #expect(try #require(UTCTimestamp(iso8601: "2026-11-25T05:29:00+05:30")).hourStart.normalized
                == "2026-11-24T23:00:00.000Z")
        // Before the epoch the hour is floored, not truncated towards zero.
        #expect(UTCTimestamp(millisecondsSinceEpoch: -1).hourStart.normalized == "1969-12-31T23:00:00.000Z")
        #expect(UTCTimestamp(millisecondsSinceEpoch: -3_600_000).hourStart.millisecondsSinceEpoch == -3_600_000)

        var rng = SplitMix64(seed: 0x5EED_0005)
        for _ in 0..<2000 {
            let instant = UTCTimestamp(millisecondsSinceEpoch: Int64.random(in: Self.earliest...Self.latest, using: &rng))
            let start = instant.hourStart
            #expect(start <= instant)
            #expect(instant.millisecondsSinceEpoch - start.millisecondsSinceEpoch < 3_600_000)
            #expect(start.hourStart == start)
            #expect(start.normalized.hasSuffix(":00:00.000Z"))
            #expect(start.normalized.prefix(13) == instant.normalized.prefix(13))
        }
    }

    @Test func comparisonAndAddingFollowMilliseconds() {
        let a = UTCTimestamp(millisecondsSinceEpoch: -5)
        let b = a.adding(milliseconds: 10)
        #expect(a < b)
        #expect(b.millisecondsSinceEpoch == 5)
        #expect(b.adding(milliseconds: -10) == a)
        #expect(Set([a, b, UTCTimestamp(millisecondsSinceEpoch: -5)]).count == 2)
    }

    @Test func nowIsCloseToFoundationsClock() {
        let foundation = Int64(Date().timeIntervalSince1970 * 1000)
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        #expect(abs(now - foundation) < 5_000)
    }
}
