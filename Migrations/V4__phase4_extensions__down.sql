-- V4__phase4_extensions (down)
-- Removes only what V4 created: its 6 views, its trigger and its 14 tables
-- (their indexes go with them). Children are dropped before their parents
-- because foreign keys are enforced.
-- Differs from session-buddy, whose V4 down also dropped every V1-V3 object
-- including skill_invocation and skill_migrations: here V1-V3 objects and
-- their data stay intact.

DROP VIEW IF EXISTS v_multimodal_skill_catalog;
DROP VIEW IF EXISTS v_ab_test_summary;
DROP VIEW IF EXISTS v_skill_dependency_network;
DROP VIEW IF EXISTS v_community_baseline_comparison;
DROP VIEW IF EXISTS v_skill_effectiveness_trend;
DROP VIEW IF EXISTS v_realtime_skill_dashboard;

DROP TRIGGER IF EXISTS trg_metrics_cache_after_insert;

DROP TABLE IF EXISTS skill_modalities;
DROP TABLE IF EXISTS skill_dependencies;
DROP TABLE IF EXISTS skill_category_mapping;
DROP TABLE IF EXISTS skill_categories;
DROP TABLE IF EXISTS ab_test_outcomes;
DROP TABLE IF EXISTS ab_test_assignments;
DROP TABLE IF EXISTS ab_test_configs;
DROP TABLE IF EXISTS skill_cluster_membership;
DROP TABLE IF EXISTS skill_clusters;
DROP TABLE IF EXISTS skill_user_interactions;
DROP TABLE IF EXISTS skill_community_baselines;
DROP TABLE IF EXISTS skill_anomalies;
DROP TABLE IF EXISTS skill_time_series;
DROP TABLE IF EXISTS skill_metrics_cache;
