import GRDB

/// The writer's multi-row statements, prepared once per shape and row count and kept for the connection's life.
///
/// GRDB's statement cache is keyed by SQL text, so finding a 64-row statement meant building and hashing a few
/// kilobytes of SQL for every chunk of every batch: about half a microsecond per stored invocation.
final class MultiRowStatements {
    /// One statement family; its SQL is `prefix (?, …), (?, …) suffix`.
    enum Shape: Hashable {
        case invocations, skillMetrics, sessionSkills, hourSessions, hours, cache

        var columns: Int {
            switch self {
            case .invocations: 16
            case .skillMetrics: 13
            case .sessionSkills, .hourSessions: 3
            case .hours: 9
            case .cache: 6
            }
        }

        var prefix: String {
            switch self {
            case .invocations:
                """
                INSERT OR FAIL INTO skill_invocation (skill_name, invoked_at, session_id, workflow_path, completed,
                    duration_seconds, user_query, alternatives_considered, selection_rank, follow_up_actions,
                    error_type, created_at, workflow_phase, workflow_step_id, user_id, idempotency_key)
                VALUES
                """
            case .skillMetrics:
                """
                INSERT INTO skill_metrics (skill_name, total_invocations, completed_invocations,
                    abandoned_invocations, total_duration_seconds, workflow_paths, common_errors, follow_up_actions,
                    first_invoked, last_invoked, completion_rate, avg_duration_seconds, updated_at) VALUES
                """
            case .sessionSkills:
                "INSERT INTO session_skills (session_id, skill_name, invocation_count) VALUES"
            case .hourSessions:
                "INSERT OR IGNORE INTO skill_time_series_sessions (skill_name, timestamp, session_id) VALUES"
            case .hours:
                """
                INSERT INTO skill_time_series (skill_name, timestamp, invocation_count, completed_count,
                    total_duration_seconds, duration_count, completion_rate, avg_duration_seconds, unique_sessions)
                VALUES
                """
            case .cache:
                """
                INSERT INTO skill_metrics_cache (skill_name, last_invocation_at, invocation_count_1h,
                    invocation_count_24h, avg_completion_rate_24h, updated_at) VALUES
                """
            }
        }

        var suffix: String {
            switch self {
            case .invocations, .hourSessions:
                ""
            case .skillMetrics:
                """
                ON CONFLICT(skill_name) DO UPDATE SET
                    total_invocations = excluded.total_invocations,
                    completed_invocations = excluded.completed_invocations,
                    abandoned_invocations = excluded.abandoned_invocations,
                    total_duration_seconds = excluded.total_duration_seconds,
                    workflow_paths = excluded.workflow_paths,
                    common_errors = excluded.common_errors,
                    follow_up_actions = excluded.follow_up_actions,
                    first_invoked = excluded.first_invoked,
                    last_invoked = excluded.last_invoked,
                    completion_rate = excluded.completion_rate,
                    avg_duration_seconds = excluded.avg_duration_seconds,
                    updated_at = excluded.updated_at
                """
            case .sessionSkills:
                """
                ON CONFLICT(session_id, skill_name)
                DO UPDATE SET invocation_count = invocation_count + excluded.invocation_count
                """
            case .hours:
                // unique_sessions arrives as the hour's new total: the writer knows each hour's session set.
                """
                ON CONFLICT(skill_name, timestamp) DO UPDATE SET
                    invocation_count = invocation_count + excluded.invocation_count,
                    completed_count = completed_count + excluded.completed_count,
                    total_duration_seconds = total_duration_seconds + excluded.total_duration_seconds,
                    duration_count = duration_count + excluded.duration_count,
                    completion_rate = CAST(completed_count + excluded.completed_count AS REAL)
                        / (invocation_count + excluded.invocation_count),
                    avg_duration_seconds = CASE WHEN duration_count + excluded.duration_count > 0
                        THEN (total_duration_seconds + excluded.total_duration_seconds)
                             / (duration_count + excluded.duration_count) END,
                    unique_sessions = excluded.unique_sessions
                """
            case .cache:
                """
                ON CONFLICT(skill_name) DO UPDATE SET
                    last_invocation_at = max(last_invocation_at, excluded.last_invocation_at),
                    invocation_count_1h = excluded.invocation_count_1h,
                    invocation_count_24h = excluded.invocation_count_24h,
                    avg_completion_rate_24h = excluded.avg_completion_rate_24h,
                    updated_at = excluded.updated_at
                """
            }
        }
    }

    /// Rows per statement: one statement of 64 rows pays SQLite's per-statement set-up once.
    static let rowsPerStatement = 64

    /// `count` rows as statement-sized ranges: full statements, then the rest in powers of two (32, 16, …, 1),
    /// so each shape is prepared in at most seven sizes instead of one per possible remainder.
    static func chunkRanges(_ count: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while count - start >= rowsPerStatement {
            ranges.append(start..<start + rowsPerStatement)
            start += rowsPerStatement
        }
        var size = rowsPerStatement / 2
        while start < count {
            if count - start >= size {
                ranges.append(start..<start + size)
                start += size
            }
            size /= 2
        }
        return ranges
    }

    private struct Key: Hashable {
        let shape: Shape
        let rows: Int
    }

    private var prepared: [Key: Statement] = [:]

    /// A binder over the statement for `rows` rows of `shape`, prepared on first use.
    func binder(_ shape: Shape, rows: Int, db: Database) throws -> RawStatementBinder {
        let key = Key(shape: shape, rows: rows)
        if let statement = prepared[key] { return RawStatementBinder(statement) }
        let statement = try db.makeStatement(sql: Self.sql(shape, rows: rows))
        prepared[key] = statement
        return RawStatementBinder(statement)
    }

    /// `prefix (?, …), (?, …) suffix` for `rows` rows of the shape's placeholders.
    static func sql(_ shape: Shape, rows: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: shape.columns).joined(separator: ", ") + ")"
        return shape.prefix + " " + Array(repeating: tuple, count: rows).joined(separator: ", ") + " " + shape.suffix
    }
}

extension Array {
    /// This array as `MultiRowStatements.chunkRanges` slices.
    func statementChunks() -> [ArraySlice<Element>] {
        MultiRowStatements.chunkRanges(count).map { self[$0] }
    }
}
