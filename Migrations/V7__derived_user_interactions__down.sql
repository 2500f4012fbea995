-- V7__derived_user_interactions (down): skill_user_interactions becomes a table again (V6's), filled with
-- what the view showed: invocations' rows keep their invocation's id, unlinked rows get new ids after them.
CREATE INDEX idx_invocation_phase_completion
    ON skill_invocation(workflow_phase, completed) WHERE workflow_phase IS NOT NULL;

DROP TRIGGER IF EXISTS trg_invocation_user_after_insert;
DROP TRIGGER IF EXISTS trg_user_interactions_delete;
DROP TRIGGER IF EXISTS trg_user_interactions_insert;
DROP TRIGGER IF EXISTS trg_user_interactions_rate;

CREATE TABLE v7_interaction_rows AS SELECT * FROM skill_user_interactions;
DROP VIEW skill_user_interactions;
DROP INDEX IF EXISTS idx_invocation_user_time;

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
INSERT INTO skill_user_interactions
    (id, user_id, session_id, skill_name, invoked_at, completed, rating, alternatives_considered)
SELECT CASE WHEN id > 0 THEN id END, user_id, session_id, skill_name, invoked_at, completed, rating,
       alternatives_considered
FROM v7_interaction_rows
ORDER BY id < 0, abs(id);
CREATE INDEX idx_user_interactions_user    ON skill_user_interactions(user_id, invoked_at DESC);

DROP TABLE v7_interaction_rows;
DROP TABLE skill_user_interactions_unlinked;
DROP TABLE skill_interaction_ratings;

-- V5's trigger, as V5 created it.
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
