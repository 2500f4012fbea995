-- V5__skillpulse_core (down)
-- Removes only what V5 added and puts back what V5 replaced, leaving the
-- V4-era schema exactly as V1-V4 define it (for a database adopted from
-- session-buddy that is SkillPulse's V1-V4, i.e. without session-buddy's
-- bugs). Columns are removed by rebuilding tables because DROP COLUMN needs
-- SQLite 3.35; ids and AUTOINCREMENT high-water marks are preserved.
-- Kept on purpose:
--  * normalised timestamps stay normalised: they are valid ISO-8601 and
--    V1-V4 read them with datetime()/DATE()/julianday();
--  * back-filled rows in V4 tables (time series, interactions, cache) and
--    the re-derived skill_metrics stay: they are V4 data;
--  * user_id / idempotency_key values and the sessions table are lost: V4
--    has nowhere to keep them.

DROP TRIGGER IF EXISTS trg_invocation_normalise_after_insert;
DROP TRIGGER IF EXISTS trg_sessions_after_insert;
DROP TRIGGER IF EXISTS trg_user_interactions_after_insert;
DROP TRIGGER IF EXISTS trg_time_series_after_insert;
DROP TRIGGER IF EXISTS trg_metrics_cache_after_insert;
DROP TRIGGER IF EXISTS trg_session_skills_after_insert;
DROP TRIGGER IF EXISTS trg_skill_metrics_after_insert;

DROP TABLE IF EXISTS ingest_batch_marker;
DROP TABLE IF EXISTS skill_time_series_sessions;
DROP TABLE IF EXISTS sessions;

-- skill_time_series without the rollup columns (drops idx_time_series_skill_hour
-- with the old table; the V4 index is recreated).
CREATE TABLE skill_time_series_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    skill_name           TEXT NOT NULL,
    timestamp            TEXT NOT NULL,
    invocation_count     INTEGER DEFAULT 0,
    completion_rate      REAL,
    avg_duration_seconds REAL,
    unique_sessions      INTEGER DEFAULT 0,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);

INSERT INTO skill_time_series_new
    (id, skill_name, timestamp, invocation_count, completion_rate, avg_duration_seconds, unique_sessions)
SELECT id, skill_name, timestamp, invocation_count, completion_rate, avg_duration_seconds, unique_sessions
FROM skill_time_series
ORDER BY id;

DELETE FROM sqlite_sequence WHERE name = 'skill_time_series_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'skill_time_series_new', seq FROM sqlite_sequence WHERE name = 'skill_time_series';

DROP TABLE skill_time_series;
ALTER TABLE skill_time_series_new RENAME TO skill_time_series;
CREATE INDEX idx_time_series_skill_time ON skill_time_series(skill_name, timestamp DESC);

-- skill_invocation without user_id / idempotency_key. Every view is dropped
-- first (RENAME re-checks views that read the table) and recreated below with
-- its V4-era definition.
DROP VIEW IF EXISTS v_session_skill_summary;
DROP VIEW IF EXISTS v_daily_skill_source;
DROP VIEW IF EXISTS v_skill_effectiveness;
DROP VIEW IF EXISTS v_top_skills;
DROP VIEW IF EXISTS v_skill_effectiveness_by_phase;
DROP VIEW IF EXISTS v_workflow_phase_patterns;
DROP VIEW IF EXISTS v_skills_by_phase_usage;
DROP VIEW IF EXISTS v_realtime_skill_dashboard;
DROP VIEW IF EXISTS v_skill_effectiveness_trend;
DROP VIEW IF EXISTS v_community_baseline_comparison;
DROP VIEW IF EXISTS v_skill_dependency_network;
DROP VIEW IF EXISTS v_ab_test_summary;
DROP VIEW IF EXISTS v_multimodal_skill_catalog;

CREATE TABLE skill_invocation_new (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    skill_name              TEXT    NOT NULL,
    invoked_at              TEXT    NOT NULL,
    session_id              TEXT    NOT NULL,
    workflow_path           TEXT,
    completed               BOOLEAN NOT NULL DEFAULT 0,
    duration_seconds        REAL,
    user_query              TEXT,
    alternatives_considered TEXT,
    selection_rank          INTEGER,
    follow_up_actions       TEXT,
    error_type              TEXT,
    created_at              TEXT    NOT NULL DEFAULT (datetime('now')),
    embedding               BLOB,
    workflow_phase          TEXT,
    workflow_step_id        TEXT
);

INSERT INTO skill_invocation_new (
    id, skill_name, invoked_at, session_id, workflow_path, completed, duration_seconds,
    user_query, alternatives_considered, selection_rank, follow_up_actions, error_type, created_at,
    embedding, workflow_phase, workflow_step_id)
SELECT
    id, skill_name, invoked_at, session_id, workflow_path, completed, duration_seconds,
    user_query, alternatives_considered, selection_rank, follow_up_actions, error_type, created_at,
    embedding, workflow_phase, workflow_step_id
FROM skill_invocation
ORDER BY id;

-- Carry the AUTOINCREMENT high-water mark over (it may exceed MAX(id) when
-- the newest rows were deleted); RENAME below moves this row to the new name.
DELETE FROM sqlite_sequence WHERE name = 'skill_invocation_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'skill_invocation_new', seq FROM sqlite_sequence WHERE name = 'skill_invocation';

DROP TABLE skill_invocation;
ALTER TABLE skill_invocation_new RENAME TO skill_invocation;

-- V1, V2 and V3 indexes, including those V5 dropped as redundant.
CREATE INDEX idx_invocation_session           ON skill_invocation(session_id);
CREATE INDEX idx_invocation_skill             ON skill_invocation(skill_name);
CREATE INDEX idx_invocation_invoked_at        ON skill_invocation(invoked_at DESC);
CREATE INDEX idx_invocation_session_completed ON skill_invocation(session_id, completed);

CREATE INDEX idx_invocation_embedding ON skill_invocation(id) WHERE embedding IS NOT NULL;

CREATE INDEX idx_invocation_workflow_phase
    ON skill_invocation(workflow_phase) WHERE workflow_phase IS NOT NULL;
CREATE INDEX idx_invocation_workflow_step
    ON skill_invocation(workflow_step_id) WHERE workflow_step_id IS NOT NULL;
CREATE INDEX idx_invocation_phase_completion
    ON skill_invocation(workflow_phase, completed) WHERE workflow_phase IS NOT NULL;

-- V1 and V4 triggers, unguarded, exactly as V1/V4 define them.
-- JSON counters: json_patch(x, json_object(key, n)) treats the key as an
-- opaque string, so keys containing '.', '"', '$', spaces or ending in '.'
-- are counted verbatim (session-buddy spliced the key into a JSON path).
CREATE TRIGGER trg_skill_metrics_after_insert
AFTER INSERT ON skill_invocation
BEGIN
    INSERT OR IGNORE INTO skill_metrics (skill_name, first_invoked, last_invoked)
    VALUES (NEW.skill_name, NEW.invoked_at, NEW.invoked_at);

    UPDATE skill_metrics SET
        total_invocations      = total_invocations + 1,
        completed_invocations  = completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END),
        abandoned_invocations  = abandoned_invocations + (CASE WHEN NEW.completed THEN 0 ELSE 1 END),
        total_duration_seconds = total_duration_seconds
            + (CASE WHEN NEW.completed THEN COALESCE(NEW.duration_seconds, 0) ELSE 0 END),
        workflow_paths = CASE WHEN NEW.workflow_path IS NULL THEN workflow_paths ELSE
            json_patch(COALESCE(workflow_paths, '{}'), json_object(NEW.workflow_path,
                COALESCE((SELECT value FROM json_each(skill_metrics.workflow_paths)
                          WHERE key = NEW.workflow_path), 0) + 1)) END,
        common_errors = CASE WHEN NEW.error_type IS NULL THEN common_errors ELSE
            json_patch(COALESCE(common_errors, '{}'), json_object(NEW.error_type,
                COALESCE((SELECT value FROM json_each(skill_metrics.common_errors)
                          WHERE key = NEW.error_type), 0) + 1)) END,
        follow_up_actions = CASE
            WHEN (CASE WHEN json_valid(NEW.follow_up_actions)
                       THEN json_extract(NEW.follow_up_actions, '$[0]') END) IS NULL
            THEN follow_up_actions ELSE
            json_patch(COALESCE(follow_up_actions, '{}'), json_object(
                CAST(json_extract(NEW.follow_up_actions, '$[0]') AS TEXT),
                COALESCE((SELECT value FROM json_each(skill_metrics.follow_up_actions)
                          WHERE key = CAST(json_extract(NEW.follow_up_actions, '$[0]') AS TEXT)), 0) + 1)) END,
        last_invoked    = NEW.invoked_at,
        completion_rate = (completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END)) * 100.0
                          / (total_invocations + 1),
        avg_duration_seconds = CASE
            WHEN completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END) > 0
            THEN (total_duration_seconds
                  + (CASE WHEN NEW.completed THEN COALESCE(NEW.duration_seconds, 0) ELSE 0 END))
                 / (completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END))
            END,
        updated_at = datetime('now')
    WHERE skill_name = NEW.skill_name;
END;

CREATE TRIGGER trg_session_skills_after_insert
AFTER INSERT ON skill_invocation
BEGIN
    INSERT INTO session_skills (session_id, skill_name, invocation_count)
    VALUES (NEW.session_id, NEW.skill_name, 1)
    ON CONFLICT (session_id, skill_name) DO UPDATE SET invocation_count = invocation_count + 1;
END;

CREATE TRIGGER trg_metrics_cache_after_insert
AFTER INSERT ON skill_invocation
BEGIN
    INSERT INTO skill_metrics_cache
        (skill_name, last_invocation_at, invocation_count_1h, invocation_count_24h, updated_at)
    VALUES (NEW.skill_name, NEW.invoked_at, 1, 1, datetime('now'))
    ON CONFLICT (skill_name) DO UPDATE SET
        last_invocation_at   = NEW.invoked_at,
        invocation_count_1h  = invocation_count_1h + 1,
        invocation_count_24h = invocation_count_24h + 1,
        updated_at           = datetime('now');
END;

-- All views with their V4-era definitions.
CREATE VIEW v_session_skill_summary AS
SELECT session_id,
       COUNT(DISTINCT skill_name)                                   AS unique_skills,
       COUNT(*)                                                     AS total_invocations,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END)                   AS completed_count,
       SUM(CASE WHEN completed THEN 0 ELSE 1 END)                   AS abandoned_count,
       TOTAL(duration_seconds)                                      AS total_duration_seconds,
       MIN(invoked_at)                                              AS first_skill_at,
       MAX(invoked_at)                                              AS last_skill_at
FROM skill_invocation
GROUP BY session_id;

-- Source rows for mv_daily_skills; avg_duration_seconds follows skill_metrics
-- (completed invocations only).
CREATE VIEW v_daily_skill_source AS
SELECT DATE(invoked_at)                                             AS date,
       skill_name,
       COUNT(*)                                                     AS invocations,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END)                   AS completions,
       SUM(CASE WHEN completed THEN 0 ELSE 1 END)                   AS abandonments,
       AVG(CASE WHEN completed THEN duration_seconds END)           AS avg_duration_seconds
FROM skill_invocation
GROUP BY DATE(invoked_at), skill_name;

CREATE VIEW v_skill_effectiveness AS
SELECT skill_name,
       total_invocations,
       completed_invocations,
       abandoned_invocations,
       completion_rate,
       avg_duration_seconds,
       avg_selection_rank,
       recommendation_success_rate,
       first_invoked,
       last_invoked,
       CAST(julianday('now') - julianday(last_invoked) AS INTEGER)  AS days_since_last_use
FROM skill_metrics;

CREATE VIEW v_top_skills AS
SELECT skill_name,
       total_invocations,
       completed_invocations,
       completion_rate,
       avg_duration_seconds,
       last_invoked,
       (SELECT key FROM json_each(skill_metrics.workflow_paths)
        ORDER BY value DESC, key LIMIT 1)                           AS preferred_workflow
FROM skill_metrics
ORDER BY total_invocations DESC, completion_rate DESC;

CREATE VIEW v_skill_effectiveness_by_phase AS
SELECT skill_name,
       workflow_phase,
       COUNT(*)                                                     AS total_invocations,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END)                   AS completed_count,
       SUM(CASE WHEN completed THEN 0 ELSE 1 END)                   AS abandoned_count,
       AVG(CASE WHEN completed THEN duration_seconds END)           AS avg_duration_seconds,
       AVG(CASE WHEN completed THEN duration_seconds END)           AS avg_completion_time,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END) * 100.0 / COUNT(*) AS completion_rate
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY skill_name, workflow_phase;

CREATE VIEW v_workflow_phase_patterns AS
SELECT workflow_phase,
       COUNT(*)                                                     AS total_invocations,
       COUNT(DISTINCT skill_name)                                   AS unique_skills,
       COUNT(DISTINCT session_id)                                   AS unique_sessions,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END)                   AS completed_count,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END) * 100.0 / COUNT(*) AS completion_rate,
       AVG(duration_seconds)                                        AS avg_duration_seconds
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY workflow_phase;

CREATE VIEW v_skills_by_phase_usage AS
SELECT workflow_phase,
       skill_name,
       COUNT(*)                                                     AS usage_count,
       AVG(CASE WHEN completed THEN 1.0 ELSE 0.0 END)               AS success_rate
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY workflow_phase, skill_name
ORDER BY workflow_phase, usage_count DESC;

CREATE VIEW v_realtime_skill_dashboard AS
SELECT c.skill_name,
       c.last_invocation_at,
       c.invocation_count_1h,
       c.invocation_count_24h,
       c.avg_completion_rate_24h,
       c.is_anomalous,
       c.anomaly_score,
       m.total_invocations,
       m.completion_rate,
       m.avg_duration_seconds
FROM skill_metrics_cache c
JOIN skill_metrics m ON m.skill_name = c.skill_name
ORDER BY c.invocation_count_24h DESC;

CREATE VIEW v_skill_dependency_network AS
SELECT skill_a,
       skill_b,
       co_occurrence_count,
       lift_score,
       CASE WHEN lift_score > 2.0 THEN 'strong_positive'
            WHEN lift_score > 1.5 THEN 'moderate_positive'
            WHEN lift_score > 1.0 THEN 'weak_positive'
            WHEN lift_score = 1.0 THEN 'independent'
            WHEN lift_score > 0.5 THEN 'weak_negative'
            ELSE 'moderate_negative'
       END                                                          AS relationship_type
FROM skill_dependencies
WHERE lift_score IS NOT NULL
ORDER BY co_occurrence_count DESC;

-- Users are counted from assignments (distinct users per group); outcomes
-- get their group through the user's assignment; rates are AVG(completed)
-- over that group's outcome rows (0..1, NULL without outcomes).
CREATE VIEW v_ab_test_summary AS
WITH assigned AS (
    SELECT test_id,
           COUNT(DISTINCT user_id)                                              AS total_users,
           COUNT(DISTINCT CASE WHEN group_name = 'control'   THEN user_id END)  AS control_users,
           COUNT(DISTINCT CASE WHEN group_name = 'treatment' THEN user_id END)  AS treatment_users
    FROM ab_test_assignments
    GROUP BY test_id
),
measured AS (
    SELECT o.test_id,
           SUM(CASE WHEN a.group_name = 'control'   THEN 1 ELSE 0 END)          AS control_outcomes,
           SUM(CASE WHEN a.group_name = 'treatment' THEN 1 ELSE 0 END)          AS treatment_outcomes,
           AVG(CASE WHEN a.group_name = 'control'
                    THEN (CASE WHEN o.completed THEN 1.0 ELSE 0.0 END) END)     AS control_completion_rate,
           AVG(CASE WHEN a.group_name = 'treatment'
                    THEN (CASE WHEN o.completed THEN 1.0 ELSE 0.0 END) END)     AS treatment_completion_rate,
           AVG(CASE WHEN a.group_name = 'control'   THEN o.duration_seconds END) AS control_avg_duration_seconds,
           AVG(CASE WHEN a.group_name = 'treatment' THEN o.duration_seconds END) AS treatment_avg_duration_seconds
    FROM ab_test_outcomes o
    JOIN ab_test_assignments a ON a.test_id = o.test_id AND a.user_id = o.user_id
    GROUP BY o.test_id
)
SELECT c.test_id,
       c.test_name,
       c.status,
       COALESCE(u.total_users, 0)                                   AS total_users,
       COALESCE(u.control_users, 0)                                 AS control_users,
       COALESCE(u.treatment_users, 0)                               AS treatment_users,
       COALESCE(r.control_outcomes, 0)                              AS control_outcomes,
       COALESCE(r.treatment_outcomes, 0)                            AS treatment_outcomes,
       r.control_completion_rate,
       r.treatment_completion_rate,
       r.control_avg_duration_seconds,
       r.treatment_avg_duration_seconds
FROM ab_test_configs c
LEFT JOIN assigned u ON u.test_id = c.test_id
LEFT JOIN measured r ON r.test_id = c.test_id;

-- trend_slope: ordinary least-squares slope of the daily completion rate
-- (0..1) against the day number, in rate per day. Needs >= 2 days; may be < 0.
CREATE VIEW v_skill_effectiveness_trend AS
WITH daily AS (
    SELECT skill_name,
           DATE(invoked_at)                                         AS day,
           AVG(CASE WHEN completed THEN 1.0 ELSE 0.0 END)           AS rate
    FROM skill_invocation
    WHERE datetime(invoked_at) >= datetime('now', '-7 days')
    GROUP BY skill_name, DATE(invoked_at)
),
points AS (
    SELECT d.skill_name, d.rate AS y, julianday(d.day) - f.x0 AS x
    FROM daily d
    JOIN (SELECT skill_name, MIN(julianday(day)) AS x0 FROM daily GROUP BY skill_name) f
      ON f.skill_name = d.skill_name
),
sums AS (
    SELECT skill_name, COUNT(*) AS n, SUM(x) AS sx, SUM(y) AS sy,
           SUM(x * y) AS sxy, SUM(x * x) AS sxx,
           AVG(y) AS avg_y, MAX(y) AS max_y, MIN(y) AS min_y
    FROM points
    GROUP BY skill_name
)
SELECT skill_name,
       avg_y                                                        AS avg_completion_rate_7d,
       max_y                                                        AS max_completion_rate_7d,
       min_y                                                        AS min_completion_rate_7d,
       n                                                            AS days_with_data,
       CASE WHEN n >= 2
            THEN (n * sxy - sx * sy) / NULLIF(n * sxx - sx * sx, 0)
       END                                                          AS trend_slope
FROM sums;

CREATE VIEW v_community_baseline_comparison AS
SELECT i.skill_name,
       COUNT(DISTINCT i.session_id)                                 AS user_invocations,
       AVG(CASE WHEN i.completed THEN 1.0 ELSE 0.0 END)             AS user_completion_rate,
       b.global_completion_rate                                     AS baseline_completion_rate,
       b.effectiveness_percentile,
       AVG(CASE WHEN i.completed THEN 1.0 ELSE 0.0 END)
           - b.global_completion_rate                               AS delta_from_baseline
FROM skill_invocation i
LEFT JOIN skill_community_baselines b ON b.skill_name = i.skill_name
GROUP BY i.skill_name;

-- Invocations are aggregated before the LEFT JOINs so that a skill mapped to
-- several categories is not counted several times; the category shown is the
-- mapping with the highest confidence.
CREATE VIEW v_multimodal_skill_catalog AS
SELECT s.skill_name,
       mo.modality_type,
       mo.input_format,
       mo.output_format,
       mo.requires_human_review,
       s.total_sessions,
       s.completion_rate,
       s.avg_duration_seconds,
       c.category_name,
       c.domain
FROM (SELECT skill_name,
             COUNT(DISTINCT session_id)                             AS total_sessions,
             AVG(CASE WHEN completed THEN 1.0 ELSE 0.0 END)         AS completion_rate,
             AVG(duration_seconds)                                  AS avg_duration_seconds
      FROM skill_invocation
      GROUP BY skill_name) s
LEFT JOIN skill_modalities mo ON mo.skill_name = s.skill_name
LEFT JOIN skill_categories c ON c.category_id = (
    SELECT m.category_id FROM skill_category_mapping m
    WHERE m.skill_name = s.skill_name
    ORDER BY m.confidence_score DESC, m.category_id
    LIMIT 1);
