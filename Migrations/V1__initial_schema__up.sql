-- V1__initial_schema (up)
-- session-buddy's core skills schema under the same names, so that an
-- existing session-buddy database can be adopted in place.
-- Differences from session-buddy, and why:
--  * No PRAGMAs and no BEGIN/COMMIT: the migrator runs this file inside one
--    transaction (journal_mode cannot change inside one; the connection sets
--    its own pragmas).
--  * skill_migrations is CREATE ... IF NOT EXISTS because the migrator owns it
--    and may have created it already; no file ever writes bookkeeping rows.
--  * trg_skill_metrics_after_insert counts JSON keys with json_patch +
--    json_object, which treat a key as an opaque string. session-buddy
--    spliced the key into a JSON path, so 'a.b' was counted as {"a":{"b":1}}
--    and a key ending in '.' aborted the INSERT.
--  * A follow_up_actions value that is not valid JSON is ignored by the
--    trigger instead of aborting the INSERT.

CREATE TABLE IF NOT EXISTS skill_migrations (
    version      TEXT PRIMARY KEY,
    applied_at   TEXT NOT NULL,
    description  TEXT,
    rollback_sql TEXT,
    checksum     TEXT,
    applied_by   TEXT DEFAULT 'session-buddy',
    success      BOOLEAN NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS idx_migrations_applied_at ON skill_migrations(applied_at DESC);

CREATE TABLE skill_invocation (
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
    created_at              TEXT    NOT NULL DEFAULT (datetime('now'))
);

CREATE INDEX idx_invocation_session           ON skill_invocation(session_id);
CREATE INDEX idx_invocation_skill             ON skill_invocation(skill_name);
CREATE INDEX idx_invocation_invoked_at        ON skill_invocation(invoked_at DESC);
CREATE INDEX idx_invocation_session_completed ON skill_invocation(session_id, completed);

-- External-content index without sync triggers, as in session-buddy, so it
-- costs ingest nothing; a reader that wants full-text search fills it with
-- INSERT INTO skill_invocation_fts(skill_invocation_fts) VALUES ('rebuild').
CREATE VIRTUAL TABLE skill_invocation_fts USING fts5(
    user_query,
    content = skill_invocation,
    content_rowid = id
);

CREATE TABLE skill_metrics (
    skill_name                  TEXT PRIMARY KEY,
    total_invocations           INTEGER NOT NULL DEFAULT 0,
    completed_invocations       INTEGER DEFAULT 0,
    abandoned_invocations       INTEGER DEFAULT 0,
    total_duration_seconds      REAL DEFAULT 0.0,
    workflow_paths              TEXT DEFAULT '{}',      -- JSON {path: count}
    common_errors               TEXT DEFAULT '{}',      -- JSON {error_type: count}
    follow_up_actions           TEXT DEFAULT '{}',      -- JSON {first follow-up: count}
    avg_selection_rank          REAL,
    recommendation_success_rate REAL,
    first_invoked               TEXT,
    last_invoked                TEXT,
    completion_rate             REAL NOT NULL DEFAULT 0.0,  -- PERCENT 0..100 (contract)
    avg_duration_seconds        REAL,                       -- completed invocations only
    updated_at                  TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE session_skills (
    session_id       TEXT NOT NULL,
    skill_name       TEXT NOT NULL,
    invocation_count INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (session_id, skill_name)
);
CREATE INDEX idx_session_skills_skill ON session_skills(skill_name);

CREATE TABLE mv_daily_skills (
    date                 TEXT NOT NULL,
    skill_name           TEXT NOT NULL,
    invocations          INTEGER DEFAULT 0,
    completions          INTEGER DEFAULT 0,
    abandonments         INTEGER DEFAULT 0,
    avg_duration_seconds REAL,
    PRIMARY KEY (date, skill_name)
);

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
