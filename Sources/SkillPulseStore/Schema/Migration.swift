import Crypto
import Foundation

/// One schema version: its up and down SQL, embedded in the binary, and the checksum of the up file.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let up: String
    public let down: String

    public init(version: Int, name: String, up: String, down: String) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
    }

    /// The text recorded in `skill_migrations.version`, the same form session-buddy used (`V4__phase4_extensions`).
    public var identifier: String { "V\(version)__\(name)" }

    /// Human description, derived like session-buddy's ("initial_schema" → "Initial Schema").
    public var summary: String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }

    /// `sha256:<hex>` of the up file: an applied migration whose file later changes is refused.
    public var checksum: String {
        "sha256:" + SHA256.hash(data: Data(up.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Parses `V{n}__{name}` (as recorded by SkillPulse or session-buddy) into its version number.
    public static func version(ofIdentifier identifier: String) -> Int? {
        guard identifier.first == "V" else { return nil }
        let digits = identifier.dropFirst().prefix { $0.isNumber }
        guard !digits.isEmpty else { return nil }
        let rest = identifier.dropFirst(1 + digits.count)
        guard rest.isEmpty || rest.hasPrefix("__") else { return nil }
        return Int(digits)
    }
}

/// The migrations compiled into this binary from `Migrations/`.
public enum MigrationCatalog {
    /// Every embedded migration, ordered by version number.
    public static let embedded: [Migration] = {
        do {
            return try load(EmbeddedMigrationFile.all)
        } catch {
            // The catalogue is fixed at build time and a unit test loads it, so this is a build defect.
            fatalError("embedded migrations are inconsistent: \(error)")
        }
    }()

    public static var latestVersion: Int { embedded.last?.version ?? 0 }

    public struct CatalogError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Pairs `V{n}__{name}__up.sql` with its `__down.sql`; versions must be 1…N without gaps.
    public static func load(_ files: [EmbeddedMigrationFile]) throws -> [Migration] {
        var ups: [Int: (String, String)] = [:]
        var downs: [Int: (String, String)] = [:]
        for file in files {
            let stem = file.fileName.hasSuffix(".sql") ? String(file.fileName.dropLast(4)) : file.fileName
            let direction: String
            let identifier: String
            if stem.hasSuffix("__up") {
                direction = "up"; identifier = String(stem.dropLast(4))
            } else if stem.hasSuffix("__down") {
                direction = "down"; identifier = String(stem.dropLast(6))
            } else {
                throw CatalogError(description: "\(file.fileName): name must end in __up.sql or __down.sql")
            }
            guard let version = Migration.version(ofIdentifier: identifier),
                  let separator = identifier.range(of: "__") else {
                throw CatalogError(description: "\(file.fileName): name must look like V{n}__{name}__{up|down}.sql")
            }
            let name = String(identifier[separator.upperBound...])
            if direction == "up" {
                guard ups[version] == nil else { throw CatalogError(description: "two up files for V\(version)") }
                ups[version] = (name, file.text)
            } else {
                guard downs[version] == nil else { throw CatalogError(description: "two down files for V\(version)") }
                downs[version] = (name, file.text)
            }
        }
        var migrations: [Migration] = []
        for version in ups.keys.sorted() {
            guard let (name, up) = ups[version] else { continue }
            guard let (downName, down) = downs[version], downName == name else {
                throw CatalogError(description: "V\(version)__\(name) has no matching down file")
            }
            guard version == migrations.count + 1 else {
                throw CatalogError(description: "migration versions must run 1…N without gaps; V\(version) is out of place")
            }
            migrations.append(Migration(version: version, name: name, up: up, down: down))
        }
        if let orphan = downs.keys.first(where: { ups[$0] == nil }) {
            throw CatalogError(description: "V\(orphan) has a down file but no up file")
        }
        return migrations
    }
}
