import Foundation
import Testing

/// Guards the seal around the store: `SkillPulseStore` is the only module that knows the database is SQLite
/// reached through GRDB. Every other target calls its typed facades (`InvocationBatchStore`, `AnalyticsStore`,
/// `ABTestStore`, `StoreReader`, `SchemaAdministration`, …) and gets plain Swift values, so that another
/// backend is a port of one folder. This test fails when a source or test file outside the store (and its own
/// tests) imports GRDB or SQLite's C support, or names a GRDB type, and when Package.swift gives another target
/// those dependencies.
struct StoreSealGuardTests {
    /// Imports that reach the database engine directly.
    static let forbiddenImport = #"\bimport\s+(GRDB|GRDBSQLite|CSQLiteSupport)\b"#
    /// GRDB's connection, transaction-body and row types: holding one means running SQL outside the store.
    static let forbiddenType = #"\b(Database|DatabasePool|DatabaseQueue|DatabaseReader|DatabaseWriter|Row|Statement)\b"#
    /// Products and targets only the store (and its tests) may depend on.
    static let sealedDependencies = ["GRDB", "GRDBSQLite", "CSQLiteSupport"]

    /// Folders (relative to the package root) whose files may use all of the above.
    static let insideTheSeal = ["Sources/SkillPulseStore/", "Sources/CSQLiteSupport/", "Tests/SkillPulseStoreTests/"]
    /// Targets that may list the sealed dependencies.
    static let sealedTargets: Set<String> = ["SkillPulseStore", "SkillPulseStoreTests"]

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Each Swift, C and header file under `Sources/` and `Tests/`, as `relative path → code lines`.
    static func files() throws -> [(path: String, lines: [String])] {
        var result: [(String, [String])] = []
        for top in ["Sources", "Tests"] {
            let root = packageRoot.appendingPathComponent(top)
            let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
            for case let relative as String in enumerator
            where relative.hasSuffix(".swift") || relative.hasSuffix(".c") || relative.hasSuffix(".h") {
                let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
                result.append(("\(top)/\(relative)", codeLines(text)))
            }
        }
        return result
    }

    /// The lines of `text` with comments and the contents of string literals blanked (line numbers kept): a
    /// doc comment may name `Database`, and an embedded Python script may say `sqlite3.Row`.
    static func codeLines(_ text: String) -> [String] {
        enum State { case code, lineComment, blockComment(depth: Int), string(hashes: Int, multiline: Bool) }
        var state = State.code
        var output: [Character] = []
        let characters = Array(text)
        var index = 0
        func at(_ offset: Int) -> Character? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        func hashes(from start: Int) -> Int {
            var count = 0
            while start + count < characters.count, characters[start + count] == "#" { count += 1 }
            return count
        }
        while index < characters.count {
            let character = characters[index]
            if character == "\n" {
                if case .lineComment = state { state = .code }
                if case .string(_, false) = state { state = .code }
                output.append("\n")
                index += 1
                continue
            }
            switch state {
            case .code:
                if character == "/" && at(1) == "/" {
                    state = .lineComment
                    index += 2
                } else if character == "/" && at(1) == "*" {
                    state = .blockComment(depth: 1)
                    index += 2
                } else if character == "#" || character == "\"" {
                    let count = character == "#" ? hashes(from: index) : 0
                    let quote = index + count
                    guard quote < characters.count, characters[quote] == "\"" else {
                        output.append(character)
                        index += 1
                        continue
                    }
                    let multiline = quote + 2 < characters.count && characters[quote + 1] == "\""
                        && characters[quote + 2] == "\""
                    state = .string(hashes: count, multiline: multiline)
                    output.append("\"")
                    index = quote + (multiline ? 3 : 1)
                } else {
                    output.append(character)
                    index += 1
                }
            case .lineComment:
                index += 1
            case .blockComment(let depth):
                if character == "*" && at(1) == "/" {
                    state = depth == 1 ? .code : .blockComment(depth: depth - 1)
                    index += 2
                } else if character == "/" && at(1) == "*" {
                    state = .blockComment(depth: depth + 1)
                    index += 2
                } else {
                    index += 1
                }
            case .string(let count, let multiline):
                if character == "\\" && count == 0 {
                    index += 2
                    continue
                }
                let closing = multiline ? "\"\"\"" : "\""
                let end = closing.count
                let candidate = String(characters[index..<min(index + end, characters.count)])
                if candidate == closing, hashes(from: index + end) >= count {
                    state = .code
                    output.append("\"")
                    index += end + count
                } else {
                    index += 1
                }
            }
        }
        return String(output).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// `path:line: what: code` for every use of GRDB or SQLite's C support in `files` outside the seal.
    static func violations(in files: [(path: String, lines: [String])]) -> [String] {
        var found: [String] = []
        for (path, lines) in files where !insideTheSeal.contains(where: { path.hasPrefix($0) }) {
            for (number, line) in lines.enumerated() {
                if let match = line.range(of: forbiddenImport, options: .regularExpression) {
                    found.append("\(path):\(number + 1): imports \(line[match].split(separator: " ").last ?? ""): "
                                 + line.trimmingCharacters(in: .whitespaces))
                } else if let match = line.range(of: forbiddenType, options: .regularExpression) {
                    found.append("\(path):\(number + 1): names GRDB's \(line[match]): "
                                 + line.trimmingCharacters(in: .whitespaces))
                }
            }
        }
        return found
    }

    /// `target → the sealed dependencies it lists`, read from the manifest's `targets:` (comments left out).
    static func sealedDependenciesByTarget(manifest: String) -> [String: [String]] {
        let code = codeLinesKeepingStrings(manifest)
        // The package's `targets:` argument starts a line; a product's `targets:` does not.
        guard let targets = code.range(of: #"(?m)^\s*targets:"#, options: .regularExpression) else { return [:] }
        let body = String(code[targets.upperBound...])
        let declaration = try! NSRegularExpression(
            pattern: #"\.(target|testTarget|executableTarget|systemLibrary|binaryTarget|plugin|macro)\(\s*name:\s*"([^"]+)""#)
        let matches = declaration.matches(in: body, range: NSRange(body.startIndex..., in: body))
        var result: [String: [String]] = [:]
        for (position, match) in matches.enumerated() {
            let name = String(body[Range(match.range(at: 2), in: body)!])
            let start = Range(match.range, in: body)!.upperBound
            let end = position + 1 < matches.count ? Range(matches[position + 1].range, in: body)!.lowerBound : body.endIndex
            let block = body[start..<end]
            let listed = sealedDependencies.filter { block.range(of: "\"\($0)\"", options: .literal) != nil }
            result[name] = listed
        }
        return result
    }

    /// The manifest with its comments left out (its strings are what the dependency check reads).
    static func codeLinesKeepingStrings(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            guard let comment = line.range(of: "//") else { return line }
            return line[..<comment.lowerBound]
        }.joined(separator: "\n")
    }

    @Test func nothingOutsideTheStoreReachesGRDBOrSQLite() throws {
        let files = try Self.files()
        #expect(files.count > 100, "found only \(files.count) files under \(Self.packageRoot.path)")
        #expect(files.contains { $0.path.hasPrefix("Sources/SkillPulseStore/") }, "the store's sources were not found")
        let found = Self.violations(in: files)
        #expect(found.isEmpty, """
            GRDB or SQLite reached outside SkillPulseStore: give the store a typed function (async where it runs \
            on the cooperative pool) that returns plain values, and call that instead:
            \(found.joined(separator: "\n"))
            """)
    }

    @Test func onlyTheStoreDependsOnGRDBOrSQLiteInPackageSwift() throws {
        let manifest = try String(contentsOf: Self.packageRoot.appendingPathComponent("Package.swift"), encoding: .utf8)
        let byTarget = Self.sealedDependenciesByTarget(manifest: manifest)
        #expect(byTarget["SkillPulseStore"]?.contains("GRDB") == true, "Package.swift was not parsed: \(byTarget)")
        #expect(byTarget.count > 10, "Package.swift was not parsed: \(byTarget)")
        let leaks = byTarget.filter { !Self.sealedTargets.contains($0.key) && !$0.value.isEmpty }
            .map { "\($0.key): \($0.value.joined(separator: ", "))" }.sorted()
        #expect(leaks.isEmpty, "targets other than SkillPulseStore(Tests) depend on GRDB or CSQLiteSupport: \(leaks)")
    }

    /// The guard itself: what the seal forbids is reported with its file and line; what merely resembles it
    /// (comments, strings, longer names) is not.
    @Test func theGuardReportsWhatBreaksTheSealAndNothingElse() {
        let offending = Self.codeLines("""
            import Foundation
            @testable import GRDB
            internal import CSQLiteSupport
            func open(_ pool: DatabasePool) async throws -> Int {
                try await pool.read { (db: Database) in try Int.fetchOne(db, sql: "SELECT 1") ?? 0 }
            }
            let rows: [Row] = []
            """)
        let reported = Self.violations(in: [("Sources/SkillPulseIngest/Example.swift", offending)])
        #expect(reported.map { $0.prefix(while: { $0 != " " }) } == [
            "Sources/SkillPulseIngest/Example.swift:2:", "Sources/SkillPulseIngest/Example.swift:3:",
            "Sources/SkillPulseIngest/Example.swift:4:", "Sources/SkillPulseIngest/Example.swift:5:",
            "Sources/SkillPulseIngest/Example.swift:7:",
        ], "\(reported)")

        let harmless = Self.codeLines(#"""
            /// Opens the `Database` and hands its `Row`s over. /* a DatabaseQueue */
            let observation = DatabaseObservation()   // not a GRDB type: a longer name
            let script = """
                rows = con.execute(sql).fetchall()  # sqlite3.Row, import GRDB
                """
            let message = "the Database is \(observation) Statement"
            let raw = #"import GRDB "Row""#
            """#)
        #expect(Self.violations(in: [("Tests/IntegrationTests/Example.swift", harmless)]).isEmpty,
                "\(Self.violations(in: [("Tests/IntegrationTests/Example.swift", harmless)]))")
        #expect(Self.violations(in: [("Sources/SkillPulseStore/Example.swift", offending)]).isEmpty)

        let manifest = """
            let package = Package(
                products: [.library(name: "Store", targets: ["SkillPulseStore"])],
                targets: [
                .target(name: "SkillPulseStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
                // .target(name: "Commented", dependencies: ["CSQLiteSupport"]),
                .target(name: "SkillPulseIngest", dependencies: ["SkillPulseStore", "CSQLiteSupport"]),
            ])
            """
        let parsed = Self.sealedDependenciesByTarget(manifest: manifest)
        #expect(parsed == ["SkillPulseStore": ["GRDB"], "SkillPulseIngest": ["CSQLiteSupport"]], "\(parsed)")
    }
}
