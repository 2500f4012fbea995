import SkillPulseCore
import Testing

/// `SkillPulsePaths.resolve`: flag, then `SKILLPULSE_*`, then systemd's directories, then `./.skillpulse`.
struct SkillPulsePathsTests {
    static let everything = [
        "SKILLPULSE_DB": "/env/skillpulse.db",
        "SKILLPULSE_RUNTIME_DIR": "/env/run",
        "STATE_DIRECTORY": "/var/lib/skillpulse",
        "RUNTIME_DIRECTORY": "/run/skillpulse",
    ]

    static func resolve(_ environment: [String: String], database: String? = nil,
                        runtime: String? = nil) -> SkillPulsePaths {
        SkillPulsePaths.resolve(database: database, runtimeDirectory: runtime, environment: environment)
    }

    @Test func flagsWinOverEverything() {
        let paths = Self.resolve(Self.everything, database: "/flag/db.sqlite", runtime: "/flag/run")
        #expect(paths == SkillPulsePaths(databasePath: "/flag/db.sqlite", runtimeDirectory: "/flag/run"))
    }

    @Test func eachFlagIsIndependent() {
        let onlyDB = Self.resolve(Self.everything, database: "/flag/db.sqlite")
        #expect(onlyDB.databasePath == "/flag/db.sqlite")
        #expect(onlyDB.runtimeDirectory == "/env/run")
        let onlyRuntime = Self.resolve(Self.everything, runtime: "/flag/run")
        #expect(onlyRuntime.databasePath == "/env/skillpulse.db")
        #expect(onlyRuntime.runtimeDirectory == "/flag/run")
    }

    @Test func skillpulseVariablesWinOverSystemd() {
        let paths = Self.resolve(Self.everything)
        #expect(paths.databasePath == "/env/skillpulse.db")
        #expect(paths.runtimeDirectory == "/env/run")
    }

    @Test func systemdDirectoriesWinOverTheLocalDefault() {
        let paths = Self.resolve(["STATE_DIRECTORY": "/var/lib/skillpulse", "RUNTIME_DIRECTORY": "/run/skillpulse"])
        #expect(paths.databasePath == "/var/lib/skillpulse/skillpulse.db")
        #expect(paths.runtimeDirectory == "/run/skillpulse")
    }

    @Test func systemdListsUseTheirFirstDirectory() {
        let paths = Self.resolve([
            "STATE_DIRECTORY": "/var/lib/skillpulse:/var/lib/other:/var/lib/third",
            "RUNTIME_DIRECTORY": "/run/skillpulse:/run/other",
        ])
        #expect(paths.databasePath == "/var/lib/skillpulse/skillpulse.db")
        #expect(paths.runtimeDirectory == "/run/skillpulse")
    }

    @Test func emptySystemdVariablesFallBackToTheLocalDefault() {
        let paths = Self.resolve(["STATE_DIRECTORY": "", "RUNTIME_DIRECTORY": ""])
        #expect(paths == SkillPulsePaths(databasePath: "./.skillpulse/skillpulse.db", runtimeDirectory: "./.skillpulse/run"))
    }

    @Test func nothingSetMeansDotSkillpulse() {
        let paths = Self.resolve([String: String]())
        #expect(paths.databasePath == "./.skillpulse/skillpulse.db")
        #expect(paths.runtimeDirectory == "./.skillpulse/run")
        #expect(paths.socketPath(for: "ingest") == "./.skillpulse/run/ingest.sock")
    }

    @Test func unrelatedVariablesAreIgnored() {
        let paths = Self.resolve(["HOME": "/root", "XDG_RUNTIME_DIR": "/run/user/0", "SKILLPULSE_DATABASE": "/nope"])
        #expect(paths.databasePath == "./.skillpulse/skillpulse.db")
        #expect(paths.runtimeDirectory == "./.skillpulse/run")
    }

    @Test(arguments: ["ingest", "analytics", "realtime-gateway", "metrics-exporter"])
    func socketPathIsRuntimeDirectoryPlusServiceDotSock(service: String) {
        let paths = SkillPulsePaths(databasePath: "/db", runtimeDirectory: "/run/skillpulse")
        #expect(paths.socketPath(for: service) == "/run/skillpulse/\(service).sock")
        let systemd = Self.resolve(["RUNTIME_DIRECTORY": "/run/skillpulse:/run/x"])
        #expect(systemd.socketPath(for: service) == "/run/skillpulse/\(service).sock")
    }
}
