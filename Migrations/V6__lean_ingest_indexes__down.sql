-- V6__lean_ingest_indexes (down): restores session-buddy's V4 indexes.
CREATE INDEX idx_user_interactions_skill   ON skill_user_interactions(skill_name, completed);
CREATE INDEX idx_user_interactions_session ON skill_user_interactions(session_id);
