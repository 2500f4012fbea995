import ArgumentParser
import Foundation
import SkillPulseCore
import SkillPulseStore

/// `--db` and `--runtime-dir`, resolved exactly as the daemons resolve them.
struct CLIOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite database path (env SKILLPULSE_DB; default $STATE_DIRECTORY/skillpulse.db, else ./.skillpulse/skillpulse.db).")
    var db: String?

    @Option(name: .customLong("runtime-dir"), help: "Directory of the daemons' Unix sockets (env SKILLPULSE_RUNTIME_DIR; default $RUNTIME_DIRECTORY, else ./.skillpulse/run).")
    var runtimeDir: String?

    /// Absolute paths (`~` expanded, `.` and `..` resolved), so that every message names the full path.
    var paths: SkillPulsePaths {
        let environment = ProcessInfo.processInfo.environment
        let resolved = SkillPulsePaths.resolve(database: db, runtimeDirectory: runtimeDir, environment: environment)
        let cwd = FileManager.default.currentDirectoryPath
        return SkillPulsePaths(
            databasePath: PathInput.absoluteOrEmpty(resolved.databasePath, environment: environment, workingDirectory: cwd),
            runtimeDirectory: PathInput.absoluteOrEmpty(resolved.runtimeDirectory, environment: environment,
                                                        workingDirectory: cwd))
    }

    /// An empty path or a directory where the database file belongs is a usage error, told before anything runs.
    func validate() throws {
        if db?.isEmpty == true { throw ValidationError("--db is empty: give the database file's path") }
        if runtimeDir?.isEmpty == true { throw ValidationError("--runtime-dir is empty: give a directory") }
        var isDirectory: ObjCBool = false
        let database = paths.databasePath
        if FileManager.default.fileExists(atPath: database, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--db \(database) is a directory; pass the database file (e.g. "
                                  + "\(database == "/" ? "" : database)/skillpulse.db)")
        }
    }

    func socketPath(_ service: String) -> String { paths.socketPath(for: service) }
}

/// Prints a failure the way every command does: one line on stderr, non-zero exit.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum CLI {
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("skillpulse: \(message)\n".utf8))
        return ExitCode(1)
    }

    /// Runs `body`, turning store errors into a one-line message and exit status 1. A SQLite error that got
    /// past the store's own mapping is told with `path` and in words, never as GRDB's raw description.
    static func run<T>(path: String? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw fail(error.description)
        } catch let error as CLIFailure {
            throw fail(error.description)
        } catch {
            guard let failure = SQLiteFailure.describe(error) else { throw error }
            throw fail((path.map { "\($0): " } ?? "") + failure)
        }
    }

    /// Creates the database's directory only when asked to create the database itself.
    static func ensureDirectory(for path: String) throws {
        let directory = PathInput.directory(of: path)
        guard !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) else { return }
        // One mkdir per missing component, so the message names the part that failed and why (errno).
        var prefix = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) {
                if isDirectory.boolValue { continue }
                throw CLIFailure("cannot create the directory \(directory): \(prefix) is a file, not a directory")
            }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw CLIFailure("cannot create the directory \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }
}
