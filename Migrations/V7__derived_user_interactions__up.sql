-- V7__derived_user_interactions (up)
-- Ingest's cost per invocation is its write amplification: every row and index entry it adds is a B-tree
-- insert, and every commit writes each page it dirtied to the WAL. Measured on the project machine
-- (sqlite3 CLI, 2,000 rows per commit, no checkpoint), storing one invocation cost 11.7 µs, of which
--  * ~4 µs was the skill_user_interactions copy: a second table row (with its AUTOINCREMENT counter and a
--    foreign-key probe) repeating six skill_invocation columns, plus its index;
--  * ~1.5-3 µs was idx_invocation_phase_completion, an index over a handful of (phase, completed) values.
-- So:
--  * skill_user_interactions becomes a view over skill_invocation with the same name and columns: one row
--    per invocation that has a user (skill_invocation.user_id, which ingest fills from the session when the
--    request names none). Its id is the invocation's id. Ratings, the one thing an invocation does not hold,
--    live in skill_interaction_ratings; the view's INSTEAD OF triggers keep UPDATE ... SET rating working.
--    Rows that correspond to no invocation (written by other tools) are kept, with negated ids, in
--    skill_user_interactions_unlinked, which the view also shows; INSERT into the view lands there.
--    Recommendations read a user's interactions: idx_invocation_user_time serves that.
--  * idx_invocation_phase_completion is dropped: a reader asking about one phase reads a large share of the
--    table anyway, and the phase views group over every row.

-- ---------------------------------------------------------------------------
-- 1. Every invocation carries its user, as ingest writes it.
-- ---------------------------------------------------------------------------
UPDATE skill_invocation
SET user_id = (SELECT s.user_id FROM sessions s WHERE s.session_id = skill_invocation.session_id)
WHERE user_id IS NULL;

-- ---------------------------------------------------------------------------
-- 2. Pair each stored interaction with the invocation it copied (same user, session, skill and instant;
--    equal copies pair up in id order), then keep what the invocations cannot give back.
-- ---------------------------------------------------------------------------
CREATE TABLE v7_interaction_pairs (
    interaction_id INTEGER PRIMARY KEY,
    invocation_id  INTEGER
);
INSERT INTO v7_interaction_pairs (interaction_id, invocation_id)
WITH copies AS (
    SELECT id, user_id, session_id, skill_name, invoked_at,
           row_number() OVER (PARTITION BY user_id, session_id, skill_name, invoked_at ORDER BY id) AS n
    FROM skill_user_interactions),
originals AS (
    SELECT id, user_id, session_id, skill_name, invoked_at,
           row_number() OVER (PARTITION BY user_id, session_id, skill_name, invoked_at ORDER BY id) AS n
    FROM skill_invocation
    WHERE user_id IS NOT NULL)
SELECT c.id, o.id
FROM copies c
LEFT JOIN originals o
       ON o.user_id = c.user_id AND o.session_id = c.session_id AND o.skill_name = c.skill_name
      AND o.invoked_at = c.invoked_at AND o.n = c.n;

CREATE TABLE skill_interaction_ratings (
    invocation_id INTEGER PRIMARY KEY REFERENCES skill_invocation(id) ON DELETE CASCADE,
    rating        REAL NOT NULL
);
INSERT INTO skill_interaction_ratings (invocation_id, rating)
SELECT p.invocation_id, u.rating
FROM skill_user_interactions u
JOIN v7_interaction_pairs p ON p.interaction_id = u.id
WHERE p.invocation_id IS NOT NULL AND u.rating IS NOT NULL;

CREATE TABLE skill_user_interactions_unlinked (
    id                      INTEGER PRIMARY KEY,   -- negative: never equal to an invocation's id
    user_id                 TEXT NOT NULL,
    session_id              TEXT NOT NULL,
    skill_name              TEXT NOT NULL,
    invoked_at              TEXT NOT NULL,
    completed               BOOLEAN NOT NULL,
    rating                  REAL,
    alternatives_considered TEXT,
    FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name)
);
INSERT INTO skill_user_interactions_unlinked
    (id, user_id, session_id, skill_name, invoked_at, completed, rating, alternatives_considered)
SELECT -u.id, u.user_id, u.session_id, u.skill_name, u.invoked_at, u.completed, u.rating, u.alternatives_considered
FROM skill_user_interactions u
JOIN v7_interaction_pairs p ON p.interaction_id = u.id
WHERE p.invocation_id IS NULL;
CREATE INDEX idx_user_interactions_unlinked_user ON skill_user_interactions_unlinked(user_id, invoked_at DESC);

DROP TABLE v7_interaction_pairs;

-- ---------------------------------------------------------------------------
-- 3. The copy goes; the view takes its name.
-- ---------------------------------------------------------------------------
DROP TRIGGER IF EXISTS trg_user_interactions_after_insert;
DROP INDEX IF EXISTS idx_user_interactions_user;
DROP TABLE skill_user_interactions;

CREATE INDEX idx_invocation_user_time ON skill_invocation(user_id, invoked_at DESC) WHERE user_id IS NOT NULL;

CREATE VIEW skill_user_interactions AS
SELECT i.id                      AS id,
       i.user_id                 AS user_id,
       i.session_id              AS session_id,
       i.skill_name              AS skill_name,
       i.invoked_at              AS invoked_at,
       i.completed               AS completed,
       r.rating                  AS rating,
       i.alternatives_considered AS alternatives_considered
FROM skill_invocation i
LEFT JOIN skill_interaction_ratings r ON r.invocation_id = i.id
WHERE i.user_id IS NOT NULL
UNION ALL
SELECT id, user_id, session_id, skill_name, invoked_at, completed, rating, alternatives_considered
FROM skill_user_interactions_unlinked;

-- Rating an interaction rates its invocation (or updates the unlinked row); NULL removes the rating.
CREATE TRIGGER trg_user_interactions_rate
INSTEAD OF UPDATE OF rating ON skill_user_interactions
BEGIN
    DELETE FROM skill_interaction_ratings WHERE invocation_id = OLD.id AND NEW.rating IS NULL;
    INSERT INTO skill_interaction_ratings (invocation_id, rating)
    SELECT OLD.id, NEW.rating WHERE OLD.id > 0 AND NEW.rating IS NOT NULL
    ON CONFLICT (invocation_id) DO UPDATE SET rating = excluded.rating;
    UPDATE skill_user_interactions_unlinked SET rating = NEW.rating WHERE id = OLD.id;
END;

-- An interaction written directly (not through an invocation) is kept as an unlinked row.
CREATE TRIGGER trg_user_interactions_insert
INSTEAD OF INSERT ON skill_user_interactions
BEGIN
    INSERT INTO skill_user_interactions_unlinked
        (id, user_id, session_id, skill_name, invoked_at, completed, rating, alternatives_considered)
    VALUES ((SELECT min(COALESCE(min(id), 0), 0) - 1 FROM skill_user_interactions_unlinked),
            NEW.user_id, NEW.session_id, NEW.skill_name,
            COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at),
            NEW.completed, NEW.rating, NEW.alternatives_considered);
END;

-- Deleting an interaction removes an unlinked row; an invocation's interaction goes only with the invocation.
CREATE TRIGGER trg_user_interactions_delete
INSTEAD OF DELETE ON skill_user_interactions
BEGIN
    SELECT RAISE(ABORT, 'skill_user_interactions rows of invocations are derived from skill_invocation; delete the invocation')
    WHERE OLD.id > 0;
    DELETE FROM skill_user_interactions_unlinked WHERE id = OLD.id;
END;

-- Other writers may leave user_id empty; the session's user is the invocation's user, as ingest records it.
CREATE TRIGGER trg_invocation_user_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker) AND NEW.user_id IS NULL
BEGIN
    UPDATE skill_invocation
    SET user_id = (SELECT s.user_id FROM sessions s WHERE s.session_id = NEW.session_id)
    WHERE id = NEW.id;
END;

-- ---------------------------------------------------------------------------
-- 4. An index no reader needs.
-- ---------------------------------------------------------------------------
DROP INDEX IF EXISTS idx_invocation_phase_completion;
