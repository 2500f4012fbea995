/// Where a SkillPulse process finds its database and its Unix sockets.
///
/// Every binary resolves the same way: explicit flag, then `SKILLPULSE_*`, then systemd's `$STATE_DIRECTORY` /
/// `$RUNTIME_DIRECTORY`, then `./.skillpulse/`.
public struct SkillPulsePaths: Sendable, Equatable {
    public let databasePath: String
    public let runtimeDirectory: String

    public init(databasePath: String, runtimeDirectory: String) {
        self.databasePath = databasePath
        self.runtimeDirectory = runtimeDirectory
    }

    public static func resolve(
        database: String?,
        runtimeDirectory: String?,
        environment: [String: String]
    ) -> SkillPulsePaths {
        SkillPulsePaths(
            databasePath: database ?? nonEmpty(environment["SKILLPULSE_DB"])
                ?? firstDirectory(environment["STATE_DIRECTORY"]).map { $0 + "/skillpulse.db" }
                ?? "./.skillpulse/skillpulse.db",
            runtimeDirectory: runtimeDirectory ?? nonEmpty(environment["SKILLPULSE_RUNTIME_DIR"])
                ?? firstDirectory(environment["RUNTIME_DIRECTORY"])
                ?? "./.skillpulse/run"
        )
    }

    /// The socket path of a daemon, e.g. `ingest.sock`.
    public func socketPath(for service: String) -> String {
        runtimeDirectory + "/" + service + ".sock"
    }

    // An exported-but-empty variable means "unset", not "the current directory's nameless file".
    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    // systemd passes a colon-separated list when a unit names several directories; the first is ours.
    private static func firstDirectory(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value.split(separator: ":", maxSplits: 1).first.map(String.init)
    }
}
