-- V1__initial_schema (down)
-- Removes everything V1 created except skill_migrations and its index: the
-- migrator keeps its bookkeeping there and needs the table to survive the
-- rollback (session-buddy's down scripts dropped it, which broke every
-- later rollback). Views and triggers go first, then the tables.

DROP VIEW IF EXISTS v_top_skills;
DROP VIEW IF EXISTS v_skill_effectiveness;
DROP VIEW IF EXISTS v_daily_skill_source;
DROP VIEW IF EXISTS v_session_skill_summary;

DROP TRIGGER IF EXISTS trg_session_skills_after_insert;
DROP TRIGGER IF EXISTS trg_skill_metrics_after_insert;

DROP TABLE IF EXISTS skill_invocation_fts;
DROP TABLE IF EXISTS mv_daily_skills;
DROP TABLE IF EXISTS session_skills;
DROP TABLE IF EXISTS skill_metrics;
DROP TABLE IF EXISTS skill_invocation;
