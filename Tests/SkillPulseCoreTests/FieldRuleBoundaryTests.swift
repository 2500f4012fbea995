import SkillPulseCore
import Testing

/// Each documented field rule, at its edges.
struct FieldRuleBoundaryTests {
    @Test func namesAreBoundedAndClean() throws {
        #expect(try FieldRules.name(String(repeating: "a", count: 200), field: "skill_name").count == 200)
        #expect(throws: FieldError.self) { try FieldRules.name(String(repeating: "a", count: 201), field: "skill_name") }
        #expect(throws: FieldError("skill_name", "must not be empty")) { try FieldRules.name("", field: "skill_name") }
        #expect(throws: FieldError.self) { try FieldRules.name("a\u{0}b", field: "skill_name") }
        #expect(throws: FieldError.self) { try FieldRules.name(" padded", field: "skill_name") }
        #expect(try FieldRules.name("ruff-check ü.x", field: "skill_name") == "ruff-check ü.x")
    }

    @Test func durationsAreFiniteAndNonNegative() throws {
        #expect(try FieldRules.duration(0) == 0)
        #expect(throws: FieldError.self) { try FieldRules.duration(-0.1) }
        #expect(throws: FieldError.self) { try FieldRules.duration(.nan) }
        #expect(throws: FieldError.self) { try FieldRules.duration(.infinity) }
        #expect(throws: FieldError.self) { try FieldRules.duration(FieldRules.maxDurationSeconds + 1) }
    }

    @Test func phasesRanksAndTimestamps() throws {
        #expect(try FieldRules.phase("verification") == .verification)
        #expect(throws: FieldError.self) { try FieldRules.phase("deploy") }
        #expect(try FieldRules.rank(1) == 1)
        #expect(throws: FieldError.self) { try FieldRules.rank(0) }
        let now = UTCTimestamp(millisecondsSinceEpoch: 1_800_000_000_000)
        #expect(try FieldRules.timestamp(nil, field: "invoked_at", now: now) == now)
        let future = now.adding(milliseconds: FieldRules.maxFutureSkewMilliseconds + 1000)
        #expect(throws: FieldError.self) { try FieldRules.timestamp(future.normalized, field: "invoked_at", now: now) }
        do {
            _ = try FieldRules.timestamp("tomorrow", field: "invoked_at", now: now)
            Issue.record("expected a FieldError")
        } catch {
            #expect(error.field == "invoked_at")
        }
    }

    @Test func pathsResolveFlagThenEnvironmentThenSystemdThenLocal() {
        let systemd = ["STATE_DIRECTORY": "/var/lib/skillpulse:/var/lib/other", "RUNTIME_DIRECTORY": "/run/skillpulse"]
        let resolved = SkillPulsePaths.resolve(database: nil, runtimeDirectory: nil, environment: systemd)
        #expect(resolved.databasePath == "/var/lib/skillpulse/skillpulse.db")
        #expect(resolved.socketPath(for: "ingest") == "/run/skillpulse/ingest.sock")
        let env = SkillPulsePaths.resolve(database: nil, runtimeDirectory: nil,
                                          environment: systemd.merging(["SKILLPULSE_DB": "/x.db"]) { $1 })
        #expect(env.databasePath == "/x.db")
        let flag = SkillPulsePaths.resolve(database: "/flag.db", runtimeDirectory: "/r", environment: [:])
        #expect(flag == SkillPulsePaths(databasePath: "/flag.db", runtimeDirectory: "/r"))
        #expect(SkillPulsePaths.resolve(database: nil, runtimeDirectory: nil, environment: [:]).databasePath
                == "./.skillpulse/skillpulse.db")
        let empty = SkillPulsePaths.resolve(database: nil, runtimeDirectory: nil,
                                            environment: ["SKILLPULSE_DB": "", "SKILLPULSE_RUNTIME_DIR": ""])
        #expect(empty == SkillPulsePaths(databasePath: "./.skillpulse/skillpulse.db", runtimeDirectory: "./.skillpulse/run"))
    }
}
