-- V4__phase4_extensions (up)
-- session-buddy's "Phase 4" schema: 14 tables, the cache trigger and 6 views,
-- same names and columns. Every skill-name column references
-- skill_metrics(skill_name); the V1 trigger creates that row within the same
-- INSERT statement, and immediate FKs are checked at the end of it.
-- Differences from session-buddy, and why:
--  * No PRAGMAs, no self-inserted skill_migrations row (the migrator's job).
--  * The views compute what their names say:
--    - v_skill_effectiveness_trend.trend_slope is the least-squares slope of
--      the daily completion rate per day (was (max-min)/(n-1) guarded with
--      NULLIF(...,1): never negative, NULL for 2 days);
--    - v_ab_test_summary counts distinct ASSIGNED users per group and gives
--      real per-group completion rates (was: outcome rows as "users" and
--      rates that could only be 1.0 or NULL);
--    - v_multimodal_skill_catalog aggregates before joining categories, so a
--      skill in several categories is not counted several times.
--  * trg_metrics_cache_after_insert still counts like session-buddy's
--    (lifetime counters); V5 gives the 1h/24h columns their window meaning.
--  * Time filters use datetime(invoked_at) because V1-V4 timestamps are not
--    normalised yet (V5 normalises them and compares text directly).

CREATE TABLE skill_metrics_cache (
    skill_name              TEXT PRIMARY KEY,
    last_invocation_at      TEXT NOT NULL,
    invocation_count_1h     INTEGER DEFAULT 0,
    invocation_count_24h    INTEGER DEFAULT 0,
    avg_completion_rate_24h REAL,
    is_anomalous            BOOLEAN DEFAULT 0,
    anomaly_score           REAL,
    updated_at              TEXT NOT NULL,
    UNIQUE (skill_name),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_metrics_cache_updated ON skill_metrics_cache(updated_at);

CREATE TABLE skill_time_series (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    skill_name           TEXT NOT NULL,
    timestamp            TEXT NOT NULL,
    invocation_count     INTEGER DEFAULT 0,
    completion_rate      REAL,
    avg_duration_seconds REAL,
    unique_sessions      INTEGER DEFAULT 0,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_time_series_skill_time ON skill_time_series(skill_name, timestamp DESC);

CREATE TABLE skill_anomalies (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    skill_name      TEXT NOT NULL,
    detected_at     TEXT NOT NULL,
    anomaly_type    TEXT NOT NULL,          -- 'drop' | 'spike' | 'pattern_shift'
    baseline_value  REAL,
    observed_value  REAL,
    deviation_score REAL,
    resolved_at     TEXT,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_anomalies_detected       ON skill_anomalies(detected_at DESC);
CREATE INDEX idx_anomalies_skill_detected ON skill_anomalies(skill_name, detected_at DESC);

CREATE TABLE skill_community_baselines (
    skill_name                  TEXT PRIMARY KEY,
    total_users                 INTEGER DEFAULT 0,
    total_invocations           INTEGER DEFAULT 0,
    global_completion_rate      REAL,       -- 0..1
    global_avg_duration_seconds REAL,
    most_common_workflow_phase  TEXT,
    effectiveness_percentile    REAL,       -- 0..100
    last_updated                TEXT NOT NULL,
    UNIQUE (skill_name),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);

CREATE TABLE skill_user_interactions (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                 TEXT NOT NULL,
    session_id              TEXT NOT NULL,
    skill_name              TEXT NOT NULL,
    invoked_at              TEXT NOT NULL,
    completed               BOOLEAN NOT NULL,
    rating                  REAL,           -- 1..5
    alternatives_considered TEXT,           -- JSON array
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_user_interactions_user    ON skill_user_interactions(user_id, invoked_at DESC);
CREATE INDEX idx_user_interactions_skill   ON skill_user_interactions(skill_name, completed);
CREATE INDEX idx_user_interactions_session ON skill_user_interactions(session_id);

CREATE TABLE skill_clusters (
    cluster_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster_name       TEXT NOT NULL UNIQUE,
    description        TEXT,
    centroid_embedding BLOB,                -- float32[384]
    created_at         TEXT NOT NULL
);

CREATE TABLE skill_cluster_membership (
    skill_name       TEXT NOT NULL,
    cluster_id       INTEGER NOT NULL,
    membership_score REAL,                  -- 0..1
    PRIMARY KEY (skill_name, cluster_id),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name),
    FOREIGN KEY (cluster_id) REFERENCES skill_clusters(cluster_id)
);
CREATE INDEX idx_cluster_membership_cluster ON skill_cluster_membership(cluster_id);

CREATE TABLE ab_test_configs (
    test_id            INTEGER PRIMARY KEY AUTOINCREMENT,
    test_name          TEXT NOT NULL UNIQUE,
    description        TEXT,
    control_strategy   TEXT NOT NULL,
    treatment_strategy TEXT NOT NULL,
    start_date         TEXT NOT NULL,
    end_date           TEXT,
    min_sample_size    INTEGER DEFAULT 100,
    metrics            TEXT,
    assignment_ratio   REAL DEFAULT 0.5,
    status             TEXT DEFAULT 'running',
    created_at         TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE ab_test_assignments (
    assignment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id       INTEGER NOT NULL,
    user_id       TEXT NOT NULL,
    group_name    TEXT NOT NULL,            -- 'control' | 'treatment'
    assigned_at   TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (test_id, user_id),
    FOREIGN KEY (test_id) REFERENCES ab_test_configs(test_id)
);
CREATE INDEX idx_ab_assignments_test_user  ON ab_test_assignments(test_id, user_id);
CREATE INDEX idx_ab_assignments_test_group ON ab_test_assignments(test_id, group_name);

CREATE TABLE ab_test_outcomes (
    outcome_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    test_id          INTEGER NOT NULL,
    user_id          TEXT NOT NULL,
    skill_name       TEXT NOT NULL,
    completed        BOOLEAN NOT NULL,
    duration_seconds REAL,
    user_rating      REAL,                  -- 1..5
    recorded_at      TEXT NOT NULL DEFAULT (datetime('now')),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_ab_outcomes_test      ON ab_test_outcomes(test_id);
CREATE INDEX idx_ab_outcomes_test_user ON ab_test_outcomes(test_id, user_id);

CREATE TABLE skill_categories (
    category_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    category_name      TEXT NOT NULL UNIQUE,
    parent_category_id INTEGER,
    description        TEXT,
    domain             TEXT,                -- 'code' | 'documentation' | 'testing' | 'deployment'
    created_at         TEXT NOT NULL DEFAULT (datetime('now')),
    FOREIGN KEY (parent_category_id) REFERENCES skill_categories(category_id)
);

CREATE TABLE skill_category_mapping (
    skill_name       TEXT NOT NULL,
    category_id      INTEGER NOT NULL,
    confidence_score REAL,                  -- 0..1
    assigned_at      TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (skill_name, category_id),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_category_mapping_skill    ON skill_category_mapping(skill_name);
CREATE INDEX idx_category_mapping_category ON skill_category_mapping(category_id);

CREATE TABLE skill_dependencies (
    skill_a             TEXT NOT NULL,
    skill_b             TEXT NOT NULL,
    co_occurrence_count INTEGER DEFAULT 1,
    lift_score          REAL,
    last_updated        TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (skill_a, skill_b),
    FOREIGN KEY (skill_a) REFERENCES skill_metrics(skill_name),
    FOREIGN KEY (skill_b) REFERENCES skill_metrics(skill_name)
);
CREATE INDEX idx_dependencies_skill_a ON skill_dependencies(skill_a);
CREATE INDEX idx_dependencies_lift    ON skill_dependencies(lift_score DESC);

CREATE TABLE skill_modalities (
    skill_name            TEXT PRIMARY KEY,
    modality_type         TEXT NOT NULL,    -- 'code' | 'documentation' | 'testing' | 'deployment'
    input_format          TEXT,
    output_format         TEXT,
    requires_human_review BOOLEAN DEFAULT 0,
    created_at            TEXT NOT NULL DEFAULT (datetime('now')),
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);

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
