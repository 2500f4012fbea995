-- V3__add_workflow_correlation (down)
-- Removes workflow_phase/workflow_step_id by rebuilding skill_invocation
-- (no DROP COLUMN before SQLite 3.35).
-- Differs from session-buddy, whose rebuild failed on SQLite >= 3.26 and left
-- a half-rolled-back database: every view reading skill_invocation is dropped
-- before the rebuild; V1/V2 indexes, V1 triggers and V1 views are recreated
-- exactly as those versions define them; ids and the AUTOINCREMENT
-- high-water mark are preserved; skill_invocation_fts keeps working because
-- it refers to its content table by name.
-- V4+ are already rolled back here: the columns kept are V1 + V2.

DROP VIEW IF EXISTS v_skills_by_phase_usage;
DROP VIEW IF EXISTS v_workflow_phase_patterns;
DROP VIEW IF EXISTS v_skill_effectiveness_by_phase;
DROP VIEW IF EXISTS v_session_skill_summary;
DROP VIEW IF EXISTS v_daily_skill_source;

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
    embedding               BLOB
);

INSERT INTO skill_invocation_new (
    id, skill_name, invoked_at, session_id, workflow_path, completed, duration_seconds,
    user_query, alternatives_considered, selection_rank, follow_up_actions, error_type, created_at,
    embedding)
SELECT
    id, skill_name, invoked_at, session_id, workflow_path, completed, duration_seconds,
    user_query, alternatives_considered, selection_rank, follow_up_actions, error_type, created_at,
    embedding
FROM skill_invocation
ORDER BY id;

-- Carry the AUTOINCREMENT high-water mark over (it may exceed MAX(id) when
-- the newest rows were deleted); RENAME below moves this row to the new name.
DELETE FROM sqlite_sequence WHERE name = 'skill_invocation_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'skill_invocation_new', seq FROM sqlite_sequence WHERE name = 'skill_invocation';

DROP TABLE skill_invocation;
ALTER TABLE skill_invocation_new RENAME TO skill_invocation;

CREATE INDEX idx_invocation_session           ON skill_invocation(session_id);
CREATE INDEX idx_invocation_skill             ON skill_invocation(skill_name);
CREATE INDEX idx_invocation_invoked_at        ON skill_invocation(invoked_at DESC);
CREATE INDEX idx_invocation_session_completed ON skill_invocation(session_id, completed);

CREATE INDEX idx_invocation_embedding ON skill_invocation(id) WHERE embedding IS NOT NULL;

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
