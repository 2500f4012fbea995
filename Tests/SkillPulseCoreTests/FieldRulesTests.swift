import SkillPulseCore
import Testing

/// `FieldRules`: every rule at its accept/reject edges, and errors that name the field.
struct FieldRulesTests {
    /// Runs `body`, which must throw, and returns the `FieldError`.
    static func fieldError<T>(_ body: () throws(FieldError) -> T) -> FieldError? {
        do {
            let value = try body()
            Issue.record("expected a FieldError, got \(value)")
            return nil
        } catch {
            return error
        }
    }

    // MARK: - name / optionalName

    @Test func namesAcceptOneToTwoHundredCharacters() throws {
        #expect(try FieldRules.name("a", field: "skill_name") == "a")
        let longest = String(repeating: "a", count: 200)
        #expect(try FieldRules.name(longest, field: "skill_name") == longest)
        let error = Self.fieldError { () throws(FieldError) in try FieldRules.name(longest + "a", field: "skill_name") }
        #expect(error?.field == "skill_name")
        #expect(error?.message.contains("200") == true)
        #expect(error?.message.contains("201") == true)
    }

    @Test func nameLengthCountsCharactersNotBytes() throws {
        // 200 two-byte characters and 200 emoji (each one Character, several scalars) are within the limit.
        #expect(try FieldRules.name(String(repeating: "é", count: 200), field: "f").count == 200)
        let family = "👨‍👩‍👧"
        #expect(try FieldRules.name(String(repeating: family, count: 200), field: "f").count == 200)
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.name(String(repeating: "é", count: 201), field: "f")
        }?.field == "f")
    }

    @Test func namesRejectEmpty() {
        let error = Self.fieldError { () throws(FieldError) in try FieldRules.name("", field: "session_id") }
        #expect(error == FieldError("session_id", "must not be empty"))
        #expect(error?.description == "session_id: must not be empty")
    }

    @Test(arguments: ["a\u{0}b", "a\tb", "a\nb", "line\r", "\u{7}bell", "del\u{7F}", "nel\u{85}x", "esc\u{1B}[0m"])
    func namesRejectControlCharacters(value: String) {
        let error = Self.fieldError { () throws(FieldError) in try FieldRules.name(value, field: "skill_name") }
        #expect(error?.field == "skill_name")
        #expect(error?.message.contains("control") == true)
    }

    @Test(arguments: [" a", "a ", " a ", "\u{A0}a", "a\u{2003}", "\u{3000}a"])
    func namesRejectSurroundingWhitespace(value: String) {
        let error = Self.fieldError { () throws(FieldError) in try FieldRules.name(value, field: "user_id") }
        #expect(error?.field == "user_id")
        #expect(error?.message.contains("whitespace") == true)
    }

    @Test func namesAcceptInnerSpacesUnicodeAndPunctuation() throws {
        for value in ["ruff check", "pytest-run", "ü.x", "a b  c", "日本語", "a\u{200D}b", "x/y:z"] {
            #expect(try FieldRules.name(value, field: "f") == value)
        }
    }

    @Test func namesHonourACustomLimit() throws {
        let path = String(repeating: "p", count: FieldRules.maxPathLength)
        #expect(try FieldRules.name(path, field: "project_path", limit: FieldRules.maxPathLength) == path)
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.name(path + "p", field: "project_path", limit: FieldRules.maxPathLength)
        }?.field == "project_path")
        #expect(Self.fieldError { () throws(FieldError) in try FieldRules.name("abc", field: "f", limit: 2) } != nil)
    }

    @Test func optionalNamesPassNilAndCheckValues() throws {
        #expect(try FieldRules.optionalName(nil, field: "user_id") == nil)
        #expect(try FieldRules.optionalName("alice", field: "user_id") == "alice")
        #expect(Self.fieldError { () throws(FieldError) in try FieldRules.optionalName("", field: "user_id") }?.field
                == "user_id")
        #expect(Self.fieldError { () throws(FieldError) in try FieldRules.optionalName(" x", field: "user_id") }?.field
                == "user_id")
    }

    // MARK: - text and lists

    @Test func textIsBoundedButMayContainNewlines() throws {
        #expect(try FieldRules.text(nil, field: "user_query", limit: 5) == nil)
        #expect(try FieldRules.text("", field: "user_query", limit: 5) == "")
        #expect(try FieldRules.text("a\nb\tc", field: "user_query", limit: 5) == "a\nb\tc")
        let limit = FieldRules.maxQueryLength
        #expect(try FieldRules.text(String(repeating: "q", count: limit), field: "user_query", limit: limit)?.count
                == limit)
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.text(String(repeating: "q", count: limit + 1), field: "user_query", limit: limit)
        }?.field == "user_query")
    }

    @Test func listsAreBoundedAndNameTheOffendingItem() throws {
        #expect(try FieldRules.list(nil, field: "follow_up_actions") == nil)
        #expect(try FieldRules.list([], field: "follow_up_actions") == [])
        let hundred = (0..<100).map { "item\($0)" }
        #expect(try FieldRules.list(hundred, field: "follow_up_actions") == hundred)
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.list(hundred + ["one more"], field: "follow_up_actions")
        }?.field == "follow_up_actions")
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.list(["ok", "fine", ""], field: "alternatives_considered")
        }?.field == "alternatives_considered[2]")
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.list(["ok", String(repeating: "x", count: 201)], field: "alternatives_considered")
        }?.field == "alternatives_considered[1]")
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.list([" padded"], field: "alternatives_considered")
        }?.field == "alternatives_considered[0]")
    }

    // MARK: - numbers

    @Test func durationsAcceptZeroToOneWeek() throws {
        #expect(try FieldRules.duration(nil) == nil)
        #expect(try FieldRules.duration(0) == 0)
        #expect(try FieldRules.duration(0.001) == 0.001)
        #expect(try FieldRules.duration(FieldRules.maxDurationSeconds) == 604_800)
        #expect(FieldRules.maxDurationSeconds == 604_800)
    }

    @Test(arguments: [-0.000_001, -1, -.infinity, .infinity, .nan, 604_800.000_1, 1e300, -Double.greatestFiniteMagnitude])
    func durationsRejectNegativeNonFiniteAndTooLong(value: Double) {
        let error = Self.fieldError { () throws(FieldError) in try FieldRules.duration(value) }
        #expect(error?.field == "duration_seconds")
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.duration(value, field: "invocations[3].duration_seconds")
        }?.field == "invocations[3].duration_seconds")
    }

    @Test func durationJustAboveTheLimitIsRejected() {
        #expect(Self.fieldError { () throws(FieldError) in
            try FieldRules.duration(FieldRules.maxDurationSeconds.nextUp)
        }?.field == "duration_seconds")
    }

    @Test func ranksAcceptOneToOneThousand() throws {
        #expect(try FieldRules.rank(nil) == nil)
        #expect(try FieldRules.rank(1) == 1)
        #expect(try FieldRules.rank(500) == 500)
        #expect(try FieldRules.rank(1000) == 1000)
        for bad in [0, 1001, -1, Int.min, Int.max] {
            let error = Self.fieldError { () throws(FieldError) in try FieldRules.rank(bad) }
            #expect(error?.field == "selection_rank", "rank \(bad)")
        }
        #expect(Self.fieldError { () throws(FieldError) in try FieldRules.rank(0, field: "rank") }?.field == "rank")
    }

    // MARK: - phases

    @Test func everyWorkflowPhaseIsAccepted() throws {
        #expect(WorkflowPhase.allCases.map(\.rawValue) == ["setup", "execution", "verification", "cleanup", "rollback"])
        for phase in WorkflowPhase.allCases {
            #expect(try FieldRules.phase(phase.rawValue) == phase)
        }
        #expect(try FieldRules.phase(nil) == nil)
    }

    @Test(arguments: ["", "Setup", "SETUP", " setup", "setup ", "deploy", "execute"])
    func unknownPhasesAreRejected(value: String) {
        let error = Self.fieldError { () throws(FieldError) in try FieldRules.phase(value) }
        #expect(error?.field == "workflow_phase")
        #expect(error?.message.contains("setup, execution, verification, cleanup, rollback") == true)
    }

    @Test func phaseErrorsQuoteAtMostFortyCharactersOfTheValue() {
        let long = String(repeating: "z", count: 500)
        let error = Self.fieldError { () throws(FieldError) in try FieldRules.phase(long) }
        #expect(error?.message.contains(String(repeating: "z", count: 40)) == true)
        #expect(error?.message.contains(String(repeating: "z", count: 41)) == false)
    }

    // MARK: - timestamps

    static let now = UTCTimestamp(millisecondsSinceEpoch: 1_795_575_600_000)  // 2026-11-25T03:00:00.000Z

    @Test func absentTimestampMeansNow() throws {
        #expect(try FieldRules.timestamp(nil, field: "invoked_at", now: Self.now) == Self.now)
    }

    @Test func timestampsUpToFiveMinutesAheadAreAccepted() throws {
        #expect(Self.now.normalized == "2026-11-25T03:00:00.000Z")
        #expect(FieldRules.maxFutureSkewMilliseconds == 300_000)
        #expect(try FieldRules.timestamp("2026-11-25T03:00:00Z", field: "invoked_at", now: Self.now) == Self.now)
        #expect(try FieldRules.timestamp("2026-11-25T03:05:00.000Z", field: "invoked_at", now: Self.now)
                == Self.now.adding(milliseconds: 300_000))
        // The same instant written in another zone.
        #expect(try FieldRules.timestamp("2026-11-25T04:05:00+01:00", field: "invoked_at", now: Self.now)
                == Self.now.adding(milliseconds: 300_000))
        // The past has no bound.
        #expect(try FieldRules.timestamp("1999-01-01T00:00:00Z", field: "invoked_at", now: Self.now).normalized
                == "1999-01-01T00:00:00.000Z")
    }

    @Test(arguments: ["2026-11-25T03:05:00.001Z", "2026-11-25T03:06:00Z", "2026-11-25T04:05:00.001+01:00",
                      "2027-01-01T00:00:00Z"])
    func timestampsMoreThanFiveMinutesAheadAreRejected(value: String) {
        let error = Self.fieldError { () throws(FieldError) in
            try FieldRules.timestamp(value, field: "started_at", now: Self.now)
        }
        #expect(error?.field == "started_at")
        #expect(error?.message.contains("future") == true)
    }

    @Test(arguments: ["2026-11-25T03:00:00", "tomorrow", "", "2026-02-30T00:00:00Z", "2026-11-25T03:00:00Z "])
    func timestampsWithoutAZoneOrInvalidAreRejected(value: String) {
        let error = Self.fieldError { () throws(FieldError) in
            try FieldRules.timestamp(value, field: "ended_at", now: Self.now)
        }
        #expect(error?.field == "ended_at")
        #expect(error?.message.contains("ISO-8601") == true)
    }
}
