-- V2__add_embeddings (up)
-- Adds skill_invocation.embedding (packed float32[384] = 1536 bytes) and a
-- partial index over the rows that have one, so similarity scans touch only
-- embedded rows.
-- Differs from session-buddy: it does not insert its own skill_migrations
-- row (the migrator records every version itself).

ALTER TABLE skill_invocation ADD COLUMN embedding BLOB;

CREATE INDEX idx_invocation_embedding ON skill_invocation(id) WHERE embedding IS NOT NULL;
