/// A UTC instant with millisecond precision, stored everywhere as `YYYY-MM-DDTHH:MM:SS.SSSZ`.
///
/// That text form sorts lexicographically in time order, so window queries compare stored columns directly and
/// keep using their indexes. Parsing and formatting are hand-written because they sit on ingest's hot path.
public struct UTCTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public static func now() -> UTCTimestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UTCTimestamp(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    public static func < (lhs: UTCTimestamp, rhs: UTCTimestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public func adding(milliseconds: Int64) -> UTCTimestamp {
        UTCTimestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    /// The start of the UTC hour containing this instant.
    public var hourStart: UTCTimestamp {
        UTCTimestamp(millisecondsSinceEpoch: millisecondsSinceEpoch - Self.floorMod(millisecondsSinceEpoch, 3_600_000))
    }

    public var description: String { normalized }

    /// The stored form, always 24 characters: `2026-11-25T03:00:00.123Z`.
    public var normalized: String {
        let millis = Self.floorMod(millisecondsSinceEpoch, 1000)
        let seconds = (millisecondsSinceEpoch - millis) / 1000
        let days = Self.floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int64, _ offset: Int, _ width: Int) {
            var v = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            }
        }
        put(year, 0, 4); bytes[4] = 45
        put(month, 5, 2); bytes[7] = 45
        put(day, 8, 2); bytes[10] = 84
        put(secondOfDay / 3600, 11, 2); bytes[13] = 58
        put(secondOfDay % 3600 / 60, 14, 2); bytes[16] = 58
        put(secondOfDay % 60, 17, 2); bytes[19] = 46
        put(millis, 20, 3); bytes[23] = 90
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses ISO-8601 with a zone, in exactly the forms SQLite's date functions read the same way, so that
    /// ingest and SQL (the triggers, the migrations) store one text for one input:
    /// `YYYY-MM-DD(T| )HH:MM:SS[.digits](Z|z|±HH:MM)`, e.g. `2026-11-25T03:00:00Z`, `…00.123456+02:00`.
    /// Digits past the millisecond are cut off (the SQL paths cut them too). Refused: no zone (its instant
    /// would be a guess), `±HHMM`, `,` fractions, a lowercase `t` and leap second `:60` — SQLite reads none of
    /// them, so a row written with one through SQL would keep its text and sort wrongly.
    public init?(iso8601 text: String) {
        guard let parsed = Self.parse(Array(text.utf8)) else { return nil }
        self.millisecondsSinceEpoch = parsed
    }

    private static func parse(_ b: [UInt8]) -> Int64? {
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= b.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let d = b[i]
                guard d >= 48 && d <= 57 else { return nil }
                value = value * 10 + Int64(d - 48)
                i += 1
            }
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard i < b.count, b[i] == byte else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else {
            return nil
        }
        guard i < b.count, b[i] == 84 || b[i] == 32 else { return nil }  // 'T' or ' '
        i += 1
        guard let hour = digits(2), expect(58), let minute = digits(2), expect(58), let second = digits(2) else {
            return nil
        }
        var millis: Int64 = 0
        if i < b.count, b[i] == 46 {  // '.'
            i += 1
            var place: Int64 = 100
            var count = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                millis += Int64(b[i] - 48) * place
                place /= 10
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
        }
        var offsetMinutes: Int64 = 0
        if i == b.count {
            return nil
        } else if b[i] == 90 || b[i] == 122 {  // 'Z' or 'z'
            i += 1
        } else if b[i] == 43 || b[i] == 45 {  // '+' or '-'
            let sign: Int64 = b[i] == 43 ? 1 : -1
            i += 1
            // SQLite reads offsets up to ±14:59 (real zones end at +14:00); beyond, its triggers would keep the text.
            guard let oh = digits(2), expect(58), let om = digits(2), oh <= 14, om <= 59 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= daysInMonth(year: year, month: month), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + millis
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil / civil-from-days: exact proleptic Gregorian arithmetic.
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDiv(a, b) * b
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
