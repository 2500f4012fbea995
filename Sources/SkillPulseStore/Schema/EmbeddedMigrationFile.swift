/// One SQL file from `Migrations/`, compiled into the binary by the EmbedMigrations plugin.
public struct EmbeddedMigrationFile: Sendable {
    public let fileName: String
    public let text: String
}
