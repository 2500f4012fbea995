import Foundation

/// Recounts every rollup from `skill_invocation` and lists where the stored rollup differs.
enum RollupRecount {
    /// Each check is a query that returns one descriptive row per mismatch.
    static let checks: [(name: String, sql: String)] = [
        ("skill_metrics", """
            WITH r AS (
                SELECT skill_name, count(*) AS n, sum(completed) AS c,
                       total(CASE WHEN completed THEN duration_seconds END) AS d,
                       min(invoked_at) AS f, max(invoked_at) AS l
                FROM skill_invocation GROUP BY skill_name)
            SELECT r.skill_name || ': recount ' || r.n || '/' || r.c || '/' || r.d || ' ' || r.f || '..' || r.l
                   || ', stored ' || ifnull(m.total_invocations, 'none') || '/' || ifnull(m.completed_invocations, '')
                   || '/' || ifnull(m.total_duration_seconds, '') || ' ' || ifnull(m.first_invoked, '') || '..'
                   || ifnull(m.last_invoked, '')
            FROM r LEFT JOIN skill_metrics m USING (skill_name)
            WHERE m.skill_name IS NULL OR m.total_invocations IS NOT r.n OR m.completed_invocations IS NOT r.c
               OR m.abandoned_invocations IS NOT r.n - r.c OR abs(m.total_duration_seconds - r.d) > 1e-6
               OR m.first_invoked IS NOT r.f OR m.last_invoked IS NOT r.l
               OR abs(m.completion_rate - r.c * 100.0 / r.n) > 1e-9
            """),
        ("skill_metrics.workflow_paths", """
            WITH r AS (
                SELECT skill_name, workflow_path, count(*) AS n FROM skill_invocation
                WHERE workflow_path IS NOT NULL GROUP BY skill_name, workflow_path)
            SELECT r.skill_name || ' ' || r.workflow_path || ': recount ' || r.n || ', stored '
                   || ifnull((SELECT value FROM json_each(m.workflow_paths) WHERE key = r.workflow_path), 'none')
            FROM r JOIN skill_metrics m USING (skill_name)
            WHERE (SELECT value FROM json_each(m.workflow_paths) WHERE key = r.workflow_path) IS NOT r.n
            """),
        ("skill_metrics_cache", """
            WITH r AS (
                SELECT skill_name, max(invoked_at) AS last,
                       sum(invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour')) AS h1,
                       sum(invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')) AS h24,
                       avg(CASE WHEN invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')
                                THEN completed * 1.0 END) AS rate
                FROM skill_invocation GROUP BY skill_name)
            SELECT r.skill_name || ': recount 1h ' || r.h1 || ', 24h ' || r.h24 || ', rate ' || r.rate || ', last '
                   || r.last || '; stored ' || ifnull(c.invocation_count_1h, 'none') || ', '
                   || ifnull(c.invocation_count_24h, '') || ', ' || ifnull(c.avg_completion_rate_24h, '') || ', '
                   || ifnull(c.last_invocation_at, '')
            FROM r LEFT JOIN skill_metrics_cache c USING (skill_name)
            WHERE c.skill_name IS NULL OR c.invocation_count_1h IS NOT r.h1 OR c.invocation_count_24h IS NOT r.h24
               OR abs(c.avg_completion_rate_24h - r.rate) > 1e-9 OR c.last_invocation_at IS NOT r.last
            """),
        ("skill_time_series", """
            WITH r AS (
                SELECT skill_name, strftime('%Y-%m-%dT%H:00:00.000Z', invoked_at) AS hour, count(*) AS n,
                       sum(completed) AS c, count(duration_seconds) AS dc, total(duration_seconds) AS d,
                       count(DISTINCT session_id) AS s
                FROM skill_invocation GROUP BY 1, 2)
            SELECT r.skill_name || ' ' || r.hour || ': recount ' || r.n || '/' || r.c || '/' || r.s || ' sessions'
                   || ', stored ' || ifnull(t.invocation_count, 'none') || '/' || ifnull(t.completed_count, '')
                   || '/' || ifnull(t.unique_sessions, '') || ' sessions'
            FROM r LEFT JOIN skill_time_series t ON t.skill_name = r.skill_name AND t.timestamp = r.hour
            WHERE t.skill_name IS NULL OR t.invocation_count IS NOT r.n OR t.completed_count IS NOT r.c
               OR t.unique_sessions IS NOT r.s OR t.duration_count IS NOT r.dc
               OR abs(t.total_duration_seconds - r.d) > 1e-6
            """),
        ("session_skills", """
            WITH r AS (SELECT session_id, skill_name, count(*) AS n FROM skill_invocation GROUP BY 1, 2)
            SELECT r.session_id || ' ' || r.skill_name || ': recount ' || r.n || ', stored '
                   || ifnull(s.invocation_count, 'none')
            FROM r LEFT JOIN session_skills s USING (session_id, skill_name)
            WHERE s.invocation_count IS NOT r.n
            """),
        ("sessions", """
            SELECT DISTINCT i.session_id || ': no sessions row'
            FROM skill_invocation i LEFT JOIN sessions s USING (session_id)
            WHERE s.session_id IS NULL
            """),
    ]

    static func mismatches(_ path: String) throws -> [String] {
        // Every check in one read transaction, as one snapshot.
        let results = try OutsideTools.query(path, checks.map { ($0.sql, []) })
        return zip(checks, results).flatMap { check, rows in
            rows.map { "\(check.name): \($0[0].string ?? "NULL")" }
        }
    }
}
