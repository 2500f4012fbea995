import GRDB

/// What every daemon checks at start: the database is exactly at the schema this binary was built for.
enum SchemaGuard {
    /// Returns the schema version, or throws with the command that fixes the mismatch.
    @discardableResult
    static func requireCurrent(_ reader: some DatabaseReader, path: String,
                               migrator: SchemaMigrator = SchemaMigrator()) throws -> Int {
        try DatabaseOpener.mapOpenErrors(path: path) {
            try reader.read { db in
                try migrator.validate(db, path: path)
                let current = try migrator.status(db).current
                if current < migrator.latestVersion {
                    throw StoreError.schemaBehind(path: path, current: current, required: migrator.latestVersion)
                }
                return current
            }
        }
    }
}
