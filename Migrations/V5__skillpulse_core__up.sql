-- V5__skillpulse_core (up)
-- SkillPulse's own schema on top of V1-V4: either ours or the one a
-- session-buddy database arrives with (the migrator then runs only this
-- file, so it also brings session-buddy's objects to SkillPulse's state).
-- What it does, and why it differs from session-buddy:
--  * sessions table: session-buddy only had session_id strings; SkillPulse
--    attributes sessions and invocations to users. session-buddy had no
--    users, so every legacy row is attributed to the user 'local'.
--  * skill_invocation.user_id / idempotency_key (unique when set) so ingest
--    can retry a batch without duplicating events.
--  * One timestamp form everywhere: UTC 'YYYY-MM-DDTHH:MM:SS.SSSZ' (24 chars)
--    sorts as text, so windows compare the indexed column directly instead of
--    wrapping it in datetime() (a full scan in session-buddy). Naive values
--    are taken as UTC, '+hh:mm' offsets are converted, values strftime
--    cannot parse are kept verbatim. Column defaults (datetime('now')) can't
--    change without rebuilding tables, so SkillPulse writes every timestamp
--    explicitly; trg_invocation_normalise_after_insert fixes skill_invocation
--    rows from other writers.
--  * Redundant indexes (prefixes of other indexes) are dropped: every index
--    costs ingest throughput.
--  * skill_time_series becomes an exact, incrementally maintained hourly
--    rollup; session-buddy never wrote it, skill_user_interactions or the
--    cache's windows. All are back-filled here from the event log, and
--    skill_metrics is re-derived from it (session-buddy's JSON-path trigger
--    nested keys that contain '.').
--  * Aggregates are maintained by SkillPulse ingest, set-wise per batch. The
--    triggers stay for any other writer but are skipped while a row exists
--    in ingest_batch_marker: ingest inserts one at the start of its batch
--    transaction and deletes it before COMMIT, so no other connection ever
--    sees it.

-- ---------------------------------------------------------------------------
-- 1. Batch marker; the old triggers and views are replaced further down.
-- ---------------------------------------------------------------------------
CREATE TABLE ingest_batch_marker (
    token INTEGER PRIMARY KEY
);

DROP TRIGGER IF EXISTS trg_skill_metrics_after_insert;
DROP TRIGGER IF EXISTS trg_session_skills_after_insert;
DROP TRIGGER IF EXISTS trg_metrics_cache_after_insert;

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

-- ---------------------------------------------------------------------------
-- 2. Sessions.
-- ---------------------------------------------------------------------------
CREATE TABLE sessions (
    session_id   TEXT PRIMARY KEY,
    user_id      TEXT,
    project_path TEXT,
    started_at   TEXT NOT NULL,
    ended_at     TEXT
);
CREATE INDEX idx_sessions_user    ON sessions(user_id);
CREATE INDEX idx_sessions_started ON sessions(started_at);

-- ---------------------------------------------------------------------------
-- 3. skill_invocation: new columns, normalised timestamps, legacy user, and
--    index changes. Redundant indexes are dropped before the rewrite so it
--    does not maintain them; new ones are built after it.
-- ---------------------------------------------------------------------------
ALTER TABLE skill_invocation ADD COLUMN user_id TEXT;
ALTER TABLE skill_invocation ADD COLUMN idempotency_key TEXT;

DROP INDEX IF EXISTS idx_invocation_skill;           -- prefix of idx_invocation_skill_time
DROP INDEX IF EXISTS idx_invocation_session;         -- prefix of idx_invocation_session_completed
DROP INDEX IF EXISTS idx_invocation_workflow_phase;  -- prefix of idx_invocation_phase_completion

UPDATE skill_invocation SET
    invoked_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', invoked_at), invoked_at),
    created_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at),
    user_id    = COALESCE(user_id, 'local');

CREATE UNIQUE INDEX idx_invocation_idempotency
    ON skill_invocation(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX idx_invocation_skill_time ON skill_invocation(skill_name, invoked_at);

-- ---------------------------------------------------------------------------
-- 4. Normalise the other stored timestamps. (skill_time_series is rebuilt
--    below, so its timestamps come out normalised.)
-- ---------------------------------------------------------------------------
UPDATE skill_metrics SET
    first_invoked = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', first_invoked), first_invoked),
    last_invoked  = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', last_invoked), last_invoked),
    updated_at    = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', updated_at), updated_at);
UPDATE skill_metrics_cache SET
    last_invocation_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', last_invocation_at), last_invocation_at),
    updated_at         = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', updated_at), updated_at);
UPDATE skill_anomalies SET
    detected_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', detected_at), detected_at),
    resolved_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', resolved_at), resolved_at);
UPDATE skill_user_interactions SET
    invoked_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', invoked_at), invoked_at);
UPDATE skill_community_baselines SET
    last_updated = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', last_updated), last_updated);
UPDATE skill_clusters SET
    created_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at);
UPDATE ab_test_configs SET
    start_date = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', start_date), start_date),
    end_date   = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', end_date), end_date),
    created_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at);
UPDATE ab_test_assignments SET
    assigned_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', assigned_at), assigned_at);
UPDATE ab_test_outcomes SET
    recorded_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', recorded_at), recorded_at);
UPDATE skill_categories SET
    created_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at);
UPDATE skill_category_mapping SET
    assigned_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', assigned_at), assigned_at);
UPDATE skill_dependencies SET
    last_updated = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', last_updated), last_updated);
UPDATE skill_modalities SET
    created_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at);

-- ---------------------------------------------------------------------------
-- 5. skill_metrics re-derived from the event log with the V1 semantics
--    (completion_rate in percent, avg over completed rows, JSON counters,
--    first_invoked/last_invoked = MIN/MAX). Also guarantees the parent row
--    every V4 foreign key needs. Skills without invocations are left alone.
-- ---------------------------------------------------------------------------
INSERT OR IGNORE INTO skill_metrics (skill_name)
SELECT DISTINCT skill_name FROM skill_invocation;

UPDATE skill_metrics SET
    (total_invocations, completed_invocations, abandoned_invocations,
     total_duration_seconds, first_invoked, last_invoked) = (
        SELECT COUNT(*),
               SUM(CASE WHEN completed THEN 1 ELSE 0 END),
               SUM(CASE WHEN completed THEN 0 ELSE 1 END),
               TOTAL(CASE WHEN completed THEN duration_seconds END),
               MIN(invoked_at),
               MAX(invoked_at)
        FROM skill_invocation i
        WHERE i.skill_name = skill_metrics.skill_name),
    workflow_paths = (
        SELECT json_group_object(k, n) FROM (
            SELECT workflow_path AS k, COUNT(*) AS n
            FROM skill_invocation i
            WHERE i.skill_name = skill_metrics.skill_name AND workflow_path IS NOT NULL
            GROUP BY workflow_path)),
    common_errors = (
        SELECT json_group_object(k, n) FROM (
            SELECT error_type AS k, COUNT(*) AS n
            FROM skill_invocation i
            WHERE i.skill_name = skill_metrics.skill_name AND error_type IS NOT NULL
            GROUP BY error_type)),
    follow_up_actions = (
        SELECT json_group_object(k, n) FROM (
            SELECT k, COUNT(*) AS n FROM (
                SELECT CAST(CASE WHEN json_valid(follow_up_actions)
                                 THEN json_extract(follow_up_actions, '$[0]') END AS TEXT) AS k
                FROM skill_invocation i
                WHERE i.skill_name = skill_metrics.skill_name AND follow_up_actions IS NOT NULL)
            WHERE k IS NOT NULL
            GROUP BY k))
WHERE skill_name IN (SELECT skill_name FROM skill_invocation);

UPDATE skill_metrics SET
    completion_rate = CASE WHEN total_invocations > 0
                           THEN completed_invocations * 100.0 / total_invocations ELSE 0.0 END,
    avg_duration_seconds = CASE WHEN completed_invocations > 0
                                THEN total_duration_seconds / completed_invocations END,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE skill_name IN (SELECT skill_name FROM skill_invocation);

-- ---------------------------------------------------------------------------
-- 6. Back-fill sessions (legacy rows belong to user 'local').
-- ---------------------------------------------------------------------------
INSERT INTO sessions (session_id, user_id, project_path, started_at, ended_at)
SELECT session_id, 'local', NULL, MIN(invoked_at), NULL
FROM skill_invocation
GROUP BY session_id;

-- ---------------------------------------------------------------------------
-- 7. Hourly rollup. One row per skill and UTC hour (timestamp = hour start):
--    invocation_count, completed_count, completion_rate = completed/count
--    (0..1), total_duration_seconds/duration_count over rows with a
--    duration (completed or not), avg_duration_seconds = total/count (NULL
--    when none), unique_sessions = rows of skill_time_series_sessions.
--    The old (skill_name, timestamp DESC) index is superseded by the unique
--    one, which serves both directions.
-- ---------------------------------------------------------------------------
ALTER TABLE skill_time_series ADD COLUMN completed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE skill_time_series ADD COLUMN total_duration_seconds REAL NOT NULL DEFAULT 0;
ALTER TABLE skill_time_series ADD COLUMN duration_count INTEGER NOT NULL DEFAULT 0;

DELETE FROM skill_time_series;
DROP INDEX IF EXISTS idx_time_series_skill_time;
CREATE UNIQUE INDEX idx_time_series_skill_hour ON skill_time_series(skill_name, timestamp);

CREATE TABLE skill_time_series_sessions (
    skill_name TEXT NOT NULL,
    timestamp  TEXT NOT NULL,
    session_id TEXT NOT NULL,
    PRIMARY KEY (skill_name, timestamp, session_id)
) WITHOUT ROWID;

INSERT INTO skill_time_series_sessions (skill_name, timestamp, session_id)
SELECT DISTINCT skill_name, strftime('%Y-%m-%dT%H:00:00.000Z', invoked_at), session_id
FROM skill_invocation
WHERE strftime('%Y-%m-%dT%H:00:00.000Z', invoked_at) IS NOT NULL;

INSERT INTO skill_time_series
    (skill_name, timestamp, invocation_count, completed_count, completion_rate,
     total_duration_seconds, duration_count, avg_duration_seconds, unique_sessions)
SELECT skill_name,
       hour,
       COUNT(*),
       SUM(CASE WHEN completed THEN 1 ELSE 0 END),
       SUM(CASE WHEN completed THEN 1 ELSE 0 END) * 1.0 / COUNT(*),
       TOTAL(duration_seconds),
       COUNT(duration_seconds),
       AVG(duration_seconds),
       COUNT(DISTINCT session_id)
FROM (SELECT skill_name, completed, duration_seconds, session_id,
             strftime('%Y-%m-%dT%H:00:00.000Z', invoked_at) AS hour
      FROM skill_invocation)
WHERE hour IS NOT NULL
GROUP BY skill_name, hour
ORDER BY hour, skill_name;

-- ---------------------------------------------------------------------------
-- 8. skill_user_interactions and skill_metrics_cache from the event log.
--    Rated interactions (nothing derivable) are kept; unrated ones are
--    re-derived, one per invocation. Cache windows use the normalised text;
--    is_anomalous / anomaly_score of existing rows are kept.
-- ---------------------------------------------------------------------------
DELETE FROM skill_user_interactions WHERE rating IS NULL;

INSERT INTO skill_user_interactions
    (user_id, session_id, skill_name, invoked_at, completed, rating, alternatives_considered)
SELECT i.user_id, i.session_id, i.skill_name, i.invoked_at, i.completed, NULL, i.alternatives_considered
FROM skill_invocation i
WHERE NOT EXISTS (SELECT 1 FROM skill_user_interactions u
                  WHERE u.session_id = i.session_id
                    AND u.skill_name = i.skill_name
                    AND u.invoked_at = i.invoked_at)
ORDER BY i.id;

DELETE FROM skill_metrics_cache
WHERE skill_name NOT IN (SELECT skill_name FROM skill_invocation);

INSERT INTO skill_metrics_cache
    (skill_name, last_invocation_at, invocation_count_1h, invocation_count_24h,
     avg_completion_rate_24h, is_anomalous, anomaly_score, updated_at)
SELECT skill_name,
       MAX(invoked_at),
       SUM(CASE WHEN invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour') THEN 1 ELSE 0 END),
       SUM(CASE WHEN invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours') THEN 1 ELSE 0 END),
       AVG(CASE WHEN invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')
                THEN (CASE WHEN completed THEN 1.0 ELSE 0.0 END) END),
       0,
       NULL,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
FROM skill_invocation
GROUP BY skill_name
ON CONFLICT (skill_name) DO UPDATE SET
    last_invocation_at      = excluded.last_invocation_at,
    invocation_count_1h     = excluded.invocation_count_1h,
    invocation_count_24h    = excluded.invocation_count_24h,
    avg_completion_rate_24h = excluded.avg_completion_rate_24h,
    updated_at              = excluded.updated_at;

-- ---------------------------------------------------------------------------
-- 9. Triggers (replacing V1's two and V4's one, plus four new ones).
-- ---------------------------------------------------------------------------

-- Every trigger below is skipped while ingest_batch_marker has a row (i.e.
-- inside a SkillPulse ingest batch, which maintains the same aggregates
-- set-wise). For other writers they keep the database consistent. They
-- normalise NEW.invoked_at themselves, so their firing order does not matter.

-- A foreign writer may send any ISO-8601 form; store the canonical one so
-- that text comparisons on invoked_at stay correct.
CREATE TRIGGER trg_invocation_normalise_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
 AND (NEW.invoked_at IS NOT COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
   OR NEW.created_at IS NOT COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.created_at), NEW.created_at))
BEGIN
    UPDATE skill_invocation SET
        invoked_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', invoked_at), invoked_at),
        created_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at)
    WHERE id = NEW.id;
END;

-- V1 semantics, but first/last_invoked are MIN/MAX (a back-dated event does
-- not move last_invoked backwards) and written timestamps are normalised.
CREATE TRIGGER trg_skill_metrics_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
BEGIN
    INSERT OR IGNORE INTO skill_metrics (skill_name, first_invoked, last_invoked, updated_at)
    VALUES (NEW.skill_name,
            COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at),
            COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at),
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

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
        first_invoked = CASE
            WHEN first_invoked IS NULL
              OR COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at) < first_invoked
            THEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
            ELSE first_invoked END,
        last_invoked = CASE
            WHEN last_invoked IS NULL
              OR COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at) > last_invoked
            THEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
            ELSE last_invoked END,
        completion_rate = (completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END)) * 100.0
                          / (total_invocations + 1),
        avg_duration_seconds = CASE
            WHEN completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END) > 0
            THEN (total_duration_seconds
                  + (CASE WHEN NEW.completed THEN COALESCE(NEW.duration_seconds, 0) ELSE 0 END))
                 / (completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END))
            END,
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE skill_name = NEW.skill_name;
END;

CREATE TRIGGER trg_session_skills_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
BEGIN
    INSERT INTO session_skills (session_id, skill_name, invocation_count)
    VALUES (NEW.session_id, NEW.skill_name, 1)
    ON CONFLICT (session_id, skill_name) DO UPDATE SET invocation_count = invocation_count + 1;
END;

-- The 1h/24h counters only count events inside the window at insert time;
-- nothing here decays them. SkillPulse ingest re-computes both windows and
-- avg_completion_rate_24h exactly, so between ingest batches they are an
-- upper bound.
CREATE TRIGGER trg_metrics_cache_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
BEGIN
    INSERT INTO skill_metrics_cache
        (skill_name, last_invocation_at, invocation_count_1h, invocation_count_24h,
         avg_completion_rate_24h, updated_at)
    VALUES (
        NEW.skill_name,
        COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at),
        CASE WHEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
                  >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour') THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
                  >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours') THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
                  >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')
             THEN (CASE WHEN NEW.completed THEN 1.0 ELSE 0.0 END) END,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ON CONFLICT (skill_name) DO UPDATE SET
        last_invocation_at = CASE WHEN excluded.last_invocation_at > last_invocation_at
                                  THEN excluded.last_invocation_at ELSE last_invocation_at END,
        invocation_count_1h  = COALESCE(invocation_count_1h, 0) + excluded.invocation_count_1h,
        invocation_count_24h = COALESCE(invocation_count_24h, 0) + excluded.invocation_count_24h,
        avg_completion_rate_24h = CASE
            WHEN excluded.invocation_count_24h = 0 THEN avg_completion_rate_24h
            ELSE (COALESCE(avg_completion_rate_24h, 0) * COALESCE(invocation_count_24h, 0)
                  + excluded.avg_completion_rate_24h) / (COALESCE(invocation_count_24h, 0) + 1)
            END,
        updated_at = excluded.updated_at;
END;

-- Hourly rollup. The session set is kept in skill_time_series_sessions so
-- unique_sessions stays exact without rescanning skill_invocation.
CREATE TRIGGER trg_time_series_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
 AND strftime('%Y-%m-%dT%H:00:00.000Z', NEW.invoked_at) IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO skill_time_series_sessions (skill_name, timestamp, session_id)
    VALUES (NEW.skill_name, strftime('%Y-%m-%dT%H:00:00.000Z', NEW.invoked_at), NEW.session_id);

    INSERT INTO skill_time_series
        (skill_name, timestamp, invocation_count, completed_count, completion_rate,
         total_duration_seconds, duration_count, avg_duration_seconds, unique_sessions)
    VALUES (
        NEW.skill_name,
        strftime('%Y-%m-%dT%H:00:00.000Z', NEW.invoked_at),
        1,
        CASE WHEN NEW.completed THEN 1 ELSE 0 END,
        CASE WHEN NEW.completed THEN 1.0 ELSE 0.0 END,
        COALESCE(NEW.duration_seconds, 0),
        CASE WHEN NEW.duration_seconds IS NULL THEN 0 ELSE 1 END,
        NEW.duration_seconds,
        1)
    ON CONFLICT (skill_name, timestamp) DO UPDATE SET
        invocation_count       = invocation_count + 1,
        completed_count        = completed_count + excluded.completed_count,
        completion_rate        = (completed_count + excluded.completed_count) * 1.0 / (invocation_count + 1),
        total_duration_seconds = total_duration_seconds + excluded.total_duration_seconds,
        duration_count         = duration_count + excluded.duration_count,
        avg_duration_seconds   = CASE WHEN duration_count + excluded.duration_count > 0
                                      THEN (total_duration_seconds + excluded.total_duration_seconds)
                                           / (duration_count + excluded.duration_count) END,
        unique_sessions        = (SELECT COUNT(*) FROM skill_time_series_sessions s
                                  WHERE s.skill_name = excluded.skill_name
                                    AND s.timestamp = excluded.timestamp);
END;

-- session-buddy never wrote skill_user_interactions; the user comes from the
-- row or, failing that, from its session. Without a known user, no row.
CREATE TRIGGER trg_user_interactions_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
 AND COALESCE(NEW.user_id, (SELECT user_id FROM sessions WHERE session_id = NEW.session_id)) IS NOT NULL
BEGIN
    INSERT INTO skill_user_interactions
        (user_id, session_id, skill_name, invoked_at, completed, rating, alternatives_considered)
    VALUES (
        COALESCE(NEW.user_id, (SELECT user_id FROM sessions WHERE session_id = NEW.session_id)),
        NEW.session_id,
        NEW.skill_name,
        COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at),
        NEW.completed,
        NULL,
        NEW.alternatives_considered);
END;

CREATE TRIGGER trg_sessions_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
BEGIN
    INSERT OR IGNORE INTO sessions (session_id, user_id, project_path, started_at, ended_at)
    VALUES (NEW.session_id, NEW.user_id, NULL,
            COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at), NULL);
END;

-- ---------------------------------------------------------------------------
-- 10. Views: all 13 are (re)created so a database adopted from session-buddy
--    gets SkillPulse's definitions too. Only v_skill_effectiveness_trend
--    differs from V4: it compares the normalised text, which can use
--    idx_invocation_invoked_at.
-- ---------------------------------------------------------------------------
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
    WHERE invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')
      AND DATE(invoked_at) IS NOT NULL
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
