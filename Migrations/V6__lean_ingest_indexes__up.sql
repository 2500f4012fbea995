-- V6__lean_ingest_indexes (up)
-- Every index on a table that ingest appends to costs a B-tree insert per row and, per commit, one WAL page
-- for every key range the batch touches. skill_user_interactions had three; two of them served no reader:
--  * recommendations (collaborative filtering) read a user's interactions: idx_user_interactions_user stays;
--  * per-skill and per-session questions are answered from skill_invocation, whose indexes cover them.
-- Measured with `skillpulse bench store --batch 50` (100 skills, 50 sessions): these two indexes were about
-- 80 of the ~207 WAL pages each commit wrote.
DROP INDEX IF EXISTS idx_user_interactions_skill;
DROP INDEX IF EXISTS idx_user_interactions_session;
