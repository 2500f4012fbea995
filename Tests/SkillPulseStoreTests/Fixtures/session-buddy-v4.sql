-- session-buddy 0.36 skills.db as MigrationManager.migrate() leaves it after V1..V4, plus ~30 days of use, WITH its bugs
-- (raw JSON-path metric trigger, lifetime "1h/24h" cache counters, (max-min)/(n-1) trend slope, A/B view counting outcome rows
-- as users, self-inserted skill_migrations rows). Run with the sqlite3 CLI or executescript, NOT through the migrator.
-- Deterministic except the few randomblob() embeddings and trigger-written updated_at values.
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;
-- MigrationManager._ensure_migrations_table
CREATE TABLE IF NOT EXISTS skill_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT, rollback_sql TEXT, checksum TEXT, applied_by
  TEXT DEFAULT 'session-buddy', success BOOLEAN NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS idx_migrations_applied_at ON skill_migrations(applied_at DESC);
-- ===== V1__initial_schema =====
CREATE TABLE skill_invocation (id INTEGER PRIMARY KEY AUTOINCREMENT, skill_name TEXT NOT NULL, invoked_at TEXT NOT NULL, session_id TEXT NOT NULL, workflow_path
  TEXT, completed BOOLEAN NOT NULL DEFAULT 0, duration_seconds REAL, user_query TEXT, alternatives_considered TEXT, selection_rank INTEGER, follow_up_actions
  TEXT, error_type TEXT, created_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE INDEX idx_invocation_session ON skill_invocation(session_id); CREATE INDEX idx_invocation_skill ON skill_invocation(skill_name);
CREATE INDEX idx_invocation_invoked_at ON skill_invocation(invoked_at DESC);
CREATE INDEX idx_invocation_session_completed ON skill_invocation(session_id, completed);
CREATE VIRTUAL TABLE skill_invocation_fts USING fts5(user_query, content=skill_invocation, content_rowid=id);
CREATE TABLE skill_metrics (skill_name TEXT PRIMARY KEY, total_invocations INTEGER NOT NULL DEFAULT 0, completed_invocations INTEGER DEFAULT 0,
  abandoned_invocations INTEGER DEFAULT 0, total_duration_seconds REAL DEFAULT 0.0, workflow_paths TEXT DEFAULT '{}', common_errors TEXT DEFAULT '{}',
  follow_up_actions TEXT DEFAULT '{}', avg_selection_rank REAL, recommendation_success_rate REAL, first_invoked TEXT, last_invoked TEXT, completion_rate REAL
  NOT NULL DEFAULT 0.0, avg_duration_seconds REAL, updated_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TABLE session_skills (session_id TEXT NOT NULL, skill_name TEXT NOT NULL, invocation_count INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (session_id,
  skill_name));
CREATE INDEX idx_session_skills_skill ON session_skills(skill_name);
CREATE TABLE mv_daily_skills (date TEXT NOT NULL, skill_name TEXT NOT NULL, invocations INTEGER DEFAULT 0, completions INTEGER DEFAULT 0, abandonments INTEGER
  DEFAULT 0, avg_duration_seconds REAL, PRIMARY KEY (date, skill_name));
-- BUG kept: keys are spliced into JSON paths ('a.b' nests, 'x.' aborts the INSERT).
CREATE TRIGGER trg_skill_metrics_after_insert AFTER INSERT ON skill_invocation BEGIN INSERT OR IGNORE INTO skill_metrics (skill_name, first_invoked,
  last_invoked) VALUES (NEW.skill_name, NEW.invoked_at, NEW.invoked_at); UPDATE skill_metrics SET total_invocations = total_invocations + 1, last_invoked =
  NEW.invoked_at, updated_at = datetime('now'), completed_invocations = completed_invocations + CASE WHEN NEW.completed THEN 1 ELSE 0 END, abandoned_invocations
  = abandoned_invocations + CASE WHEN NEW.completed THEN 0 ELSE 1 END, total_duration_seconds = total_duration_seconds + CASE WHEN NEW.completed THEN
  COALESCE(NEW.duration_seconds, 0) ELSE 0 END WHERE skill_name = NEW.skill_name; UPDATE skill_metrics SET workflow_paths = json_set(workflow_paths, '$.' ||
  NEW.workflow_path, COALESCE(json_extract(workflow_paths, '$.' || NEW.workflow_path), 0) + 1) WHERE skill_name = NEW.skill_name AND NEW.workflow_path IS NOT
  NULL; UPDATE skill_metrics SET common_errors = json_set(common_errors, '$.' || NEW.error_type, COALESCE(json_extract(common_errors, '$.' || NEW.error_type),
  0) + 1) WHERE skill_name = NEW.skill_name AND NEW.error_type IS NOT NULL; UPDATE skill_metrics SET follow_up_actions = json_set(follow_up_actions, '$.' ||
  json_extract(NEW.follow_up_actions, '$[0]'), COALESCE(json_extract(follow_up_actions, '$.' || json_extract(NEW.follow_up_actions, '$[0]')), 0) + 1) WHERE
  skill_name = NEW.skill_name AND json_extract(NEW.follow_up_actions, '$[0]') IS NOT NULL; UPDATE skill_metrics SET completion_rate = CAST(completed_invocations
  AS REAL) / total_invocations * 100.0, avg_duration_seconds = CASE WHEN completed_invocations > 0 THEN total_duration_seconds / completed_invocations END WHERE
  skill_name = NEW.skill_name;
END;
CREATE TRIGGER trg_session_skills_after_insert AFTER INSERT ON skill_invocation BEGIN INSERT INTO session_skills (session_id, skill_name, invocation_count)
  VALUES (NEW.session_id, NEW.skill_name, 1) ON CONFLICT (session_id, skill_name) DO UPDATE SET invocation_count = invocation_count + 1;
END;
CREATE VIEW v_session_skill_summary AS SELECT session_id, COUNT(DISTINCT skill_name) AS unique_skills, COUNT(*) AS total_invocations, SUM(CASE WHEN completed
  THEN 1 ELSE 0 END) AS completed_count, SUM(CASE WHEN completed THEN 0 ELSE 1 END) AS abandoned_count, SUM(duration_seconds) AS total_duration_seconds,
  MIN(invoked_at) AS first_skill_at, MAX(invoked_at) AS last_skill_at FROM skill_invocation GROUP BY session_id;
CREATE VIEW v_skill_effectiveness AS SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations, completion_rate, avg_duration_seconds,
  avg_selection_rank, recommendation_success_rate, first_invoked, last_invoked, julianday('now') - julianday(last_invoked) AS days_since_last_use FROM
  skill_metrics;
CREATE VIEW v_top_skills AS SELECT skill_name, total_invocations, completion_rate, avg_duration_seconds, (SELECT key FROM json_each(workflow_paths) ORDER BY
  value DESC LIMIT 1) AS preferred_workflow FROM skill_metrics ORDER BY total_invocations DESC;
CREATE VIEW v_daily_skill_source AS SELECT DATE(invoked_at) AS date, skill_name, COUNT(*) AS invocations, SUM(CASE WHEN completed THEN 1 ELSE 0 END) AS
  completions, SUM(CASE WHEN completed THEN 0 ELSE 1 END) AS abandonments, AVG(duration_seconds) AS avg_duration_seconds FROM skill_invocation GROUP BY
  DATE(invoked_at), skill_name;
INSERT OR IGNORE INTO skill_migrations (version, applied_at, description, applied_by) VALUES ('V1__initial_schema', '2026-10-01 12:00:00', 'Initial Schema',
  'session-buddy');
-- ===== V2__add_embeddings =====
ALTER TABLE skill_invocation ADD COLUMN embedding BLOB; CREATE INDEX idx_invocation_embedding ON skill_invocation(id) WHERE embedding IS NOT NULL;
INSERT OR IGNORE INTO skill_migrations (version, applied_at, description, applied_by) VALUES ('V2__add_embeddings', '2026-10-01 12:00:00',
  'Add embedding column for semantic search', 'session-buddy');
-- ===== V3__add_workflow_correlation =====
ALTER TABLE skill_invocation ADD COLUMN workflow_phase TEXT; ALTER TABLE skill_invocation ADD COLUMN workflow_step_id TEXT;
CREATE INDEX idx_invocation_workflow_phase ON skill_invocation(workflow_phase) WHERE workflow_phase IS NOT NULL;
CREATE INDEX idx_invocation_workflow_step ON skill_invocation(workflow_step_id) WHERE workflow_step_id IS NOT NULL;
CREATE INDEX idx_invocation_phase_completion ON skill_invocation(workflow_phase, completed) WHERE workflow_phase IS NOT NULL;
CREATE VIEW v_skill_effectiveness_by_phase AS SELECT skill_name, workflow_phase, COUNT(*) AS total_invocations, SUM(CASE WHEN completed THEN 1 ELSE 0 END) AS
  completed_count, SUM(CASE WHEN completed THEN 0 ELSE 1 END) AS abandoned_count, AVG(duration_seconds) AS avg_duration_seconds, AVG(duration_seconds) AS
  avg_completion_time, CAST(SUM(CASE WHEN completed THEN 1 ELSE 0 END) AS REAL) / COUNT(*) * 100 AS completion_rate FROM skill_invocation WHERE workflow_phase
  IS NOT NULL GROUP BY skill_name, workflow_phase;
CREATE VIEW v_workflow_phase_patterns AS SELECT workflow_phase, COUNT(*) AS total_invocations, COUNT(DISTINCT skill_name) AS unique_skills, COUNT(DISTINCT
  session_id) AS unique_sessions FROM skill_invocation WHERE workflow_phase IS NOT NULL GROUP BY workflow_phase;
CREATE VIEW v_skills_by_phase_usage AS SELECT workflow_phase, skill_name, COUNT(*) AS usage_count, AVG(CASE WHEN completed THEN 1.0 ELSE 0.0 END) AS
  success_rate FROM skill_invocation WHERE workflow_phase IS NOT NULL GROUP BY workflow_phase, skill_name ORDER BY workflow_phase, usage_count DESC;
INSERT OR IGNORE INTO skill_migrations (version, applied_at, description, applied_by) VALUES ('V3__add_workflow_correlation', '2026-10-01 12:00:00',
  'Add workflow phase correlation', 'session-buddy');
-- ===== V4__phase4_extensions =====
CREATE TABLE skill_metrics_cache (skill_name TEXT PRIMARY KEY, last_invocation_at TEXT NOT NULL, invocation_count_1h INTEGER DEFAULT 0, invocation_count_24h
  INTEGER DEFAULT 0, avg_completion_rate_24h REAL, is_anomalous BOOLEAN DEFAULT 0, anomaly_score REAL, updated_at TEXT NOT NULL, UNIQUE (skill_name), FOREIGN
  KEY (skill_name) REFERENCES skill_metrics(skill_name));
CREATE INDEX idx_metrics_cache_updated ON skill_metrics_cache(updated_at);
CREATE TABLE skill_time_series (id INTEGER PRIMARY KEY AUTOINCREMENT, skill_name TEXT NOT NULL, timestamp TEXT NOT NULL, invocation_count INTEGER DEFAULT 0,
  completion_rate REAL, avg_duration_seconds REAL, unique_sessions INTEGER DEFAULT 0, FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name));
CREATE INDEX idx_time_series_skill_time ON skill_time_series(skill_name, timestamp DESC);
CREATE TABLE skill_anomalies (id INTEGER PRIMARY KEY AUTOINCREMENT, skill_name TEXT NOT NULL, detected_at TEXT NOT NULL, anomaly_type TEXT NOT NULL,
  baseline_value REAL, observed_value REAL, deviation_score REAL, resolved_at TEXT, FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name));
CREATE INDEX idx_anomalies_detected ON skill_anomalies(detected_at DESC);
CREATE INDEX idx_anomalies_skill_detected ON skill_anomalies(skill_name, detected_at DESC);
CREATE TABLE skill_community_baselines (skill_name TEXT PRIMARY KEY, total_users INTEGER DEFAULT 0, total_invocations INTEGER DEFAULT 0, global_completion_rate
  REAL, global_avg_duration_seconds REAL, most_common_workflow_phase TEXT, effectiveness_percentile REAL, last_updated TEXT NOT NULL, UNIQUE (skill_name),
  FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name));
CREATE TABLE skill_user_interactions (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, session_id TEXT NOT NULL, skill_name TEXT NOT NULL,
  invoked_at TEXT NOT NULL, completed BOOLEAN NOT NULL, rating REAL, alternatives_considered TEXT, FOREIGN KEY (skill_name) REFERENCES
  skill_metrics(skill_name));
CREATE INDEX idx_user_interactions_user ON skill_user_interactions(user_id, invoked_at DESC);
CREATE INDEX idx_user_interactions_skill ON skill_user_interactions(skill_name, completed);
CREATE INDEX idx_user_interactions_session ON skill_user_interactions(session_id);
CREATE TABLE skill_clusters (cluster_id INTEGER PRIMARY KEY AUTOINCREMENT, cluster_name TEXT NOT NULL UNIQUE, description TEXT, centroid_embedding BLOB,
  created_at TEXT NOT NULL);
CREATE TABLE skill_cluster_membership (skill_name TEXT NOT NULL, cluster_id INTEGER NOT NULL, membership_score REAL, PRIMARY KEY (skill_name, cluster_id),
  FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name), FOREIGN KEY (cluster_id) REFERENCES skill_clusters(cluster_id));
CREATE INDEX idx_cluster_membership_cluster ON skill_cluster_membership(cluster_id);
CREATE TABLE ab_test_configs (test_id INTEGER PRIMARY KEY AUTOINCREMENT, test_name TEXT NOT NULL UNIQUE, description TEXT, control_strategy TEXT NOT NULL,
  treatment_strategy TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT, min_sample_size INTEGER DEFAULT 100, metrics TEXT, assignment_ratio REAL DEFAULT
  0.5, status TEXT DEFAULT 'running', created_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TABLE ab_test_assignments (assignment_id INTEGER PRIMARY KEY AUTOINCREMENT, test_id INTEGER NOT NULL, user_id TEXT NOT NULL, group_name TEXT NOT NULL,
  assigned_at TEXT NOT NULL DEFAULT (datetime('now')), UNIQUE (test_id, user_id), FOREIGN KEY (test_id) REFERENCES ab_test_configs(test_id));
CREATE INDEX idx_ab_assignments_test_user ON ab_test_assignments(test_id, user_id);
CREATE INDEX idx_ab_assignments_test_group ON ab_test_assignments(test_id, group_name);
CREATE TABLE ab_test_outcomes (outcome_id INTEGER PRIMARY KEY AUTOINCREMENT, test_id INTEGER NOT NULL, user_id TEXT NOT NULL, skill_name TEXT NOT NULL,
  completed BOOLEAN NOT NULL, duration_seconds REAL, user_rating REAL, recorded_at TEXT NOT NULL DEFAULT (datetime('now')), FOREIGN KEY (skill_name) REFERENCES
  skill_metrics(skill_name));
CREATE INDEX idx_ab_outcomes_test ON ab_test_outcomes(test_id); CREATE INDEX idx_ab_outcomes_test_user ON ab_test_outcomes(test_id, user_id);
CREATE TABLE skill_categories (category_id INTEGER PRIMARY KEY AUTOINCREMENT, category_name TEXT NOT NULL UNIQUE, parent_category_id INTEGER, description TEXT,
  domain TEXT, created_at TEXT NOT NULL DEFAULT (datetime('now')), FOREIGN KEY (parent_category_id) REFERENCES skill_categories(category_id));
CREATE TABLE skill_category_mapping (skill_name TEXT NOT NULL, category_id INTEGER NOT NULL, confidence_score REAL, assigned_at TEXT NOT NULL DEFAULT
  (datetime('now')), PRIMARY KEY (skill_name, category_id), FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name));
CREATE INDEX idx_category_mapping_skill ON skill_category_mapping(skill_name);
CREATE INDEX idx_category_mapping_category ON skill_category_mapping(category_id);
CREATE TABLE skill_dependencies (skill_a TEXT NOT NULL, skill_b TEXT NOT NULL, co_occurrence_count INTEGER DEFAULT 1, lift_score REAL, last_updated TEXT NOT
  NULL DEFAULT (datetime('now')), PRIMARY KEY (skill_a, skill_b), FOREIGN KEY (skill_a) REFERENCES skill_metrics(skill_name), FOREIGN KEY (skill_b) REFERENCES
  skill_metrics(skill_name));
CREATE INDEX idx_dependencies_skill_a ON skill_dependencies(skill_a); CREATE INDEX idx_dependencies_lift ON skill_dependencies(lift_score DESC);
CREATE TABLE skill_modalities (skill_name TEXT PRIMARY KEY, modality_type TEXT NOT NULL, input_format TEXT, output_format TEXT, requires_human_review BOOLEAN
  DEFAULT 0, created_at TEXT NOT NULL DEFAULT (datetime('now')), FOREIGN KEY (skill_name) REFERENCES skill_metrics(skill_name));
-- BUG kept: "1h"/"24h" are lifetime counters.
CREATE TRIGGER trg_metrics_cache_after_insert AFTER INSERT ON skill_invocation BEGIN INSERT INTO skill_metrics_cache (skill_name, last_invocation_at,
  invocation_count_1h, invocation_count_24h, updated_at) VALUES (NEW.skill_name, NEW.invoked_at, 1, 1, datetime('now')) ON CONFLICT(skill_name) DO UPDATE SET
  last_invocation_at = NEW.invoked_at, invocation_count_1h = invocation_count_1h + 1, invocation_count_24h = invocation_count_24h + 1, updated_at =
  datetime('now');
END;
CREATE VIEW v_realtime_skill_dashboard AS SELECT c.skill_name, c.last_invocation_at, c.invocation_count_1h, c.invocation_count_24h, c.avg_completion_rate_24h,
  c.is_anomalous, c.anomaly_score, m.total_invocations, m.completion_rate, m.avg_duration_seconds FROM skill_metrics_cache c JOIN skill_metrics m ON
  c.skill_name = m.skill_name ORDER BY c.invocation_count_24h DESC;
-- BUG kept: not a regression; never negative, NULL for 1 and 2 days.
CREATE VIEW v_skill_effectiveness_trend AS WITH daily AS (SELECT skill_name, DATE(invoked_at) AS day, AVG(CASE WHEN completed THEN 1.0 ELSE 0.0 END) AS rate
  FROM skill_invocation WHERE datetime(invoked_at) >= datetime('now', '-7 days') GROUP BY skill_name, DATE(invoked_at)) SELECT skill_name, AVG(rate) AS
  avg_completion_rate_7d, MAX(rate) AS max_completion_rate_7d, MIN(rate) AS min_completion_rate_7d, COUNT(*) AS days_with_data, (MAX(rate) - MIN(rate)) /
  NULLIF(COUNT(*) - 1, 1) AS trend_slope FROM daily GROUP BY skill_name;
CREATE VIEW v_community_baseline_comparison AS SELECT i.skill_name, COUNT(DISTINCT i.session_id) AS user_invocations, AVG(CASE WHEN i.completed THEN 1.0 ELSE
  0.0 END) AS user_completion_rate, b.global_completion_rate AS baseline_completion_rate, b.effectiveness_percentile, AVG(CASE WHEN i.completed THEN 1.0 ELSE
  0.0 END) - b.global_completion_rate AS delta_from_baseline FROM skill_invocation i LEFT JOIN skill_community_baselines b ON i.skill_name = b.skill_name GROUP
  BY i.skill_name;
CREATE VIEW v_skill_dependency_network AS SELECT skill_a, skill_b, co_occurrence_count, lift_score, CASE WHEN lift_score > 2.0 THEN 'strong_positive' WHEN
  lift_score > 1.5 THEN 'moderate_positive' WHEN lift_score > 1.0 THEN 'weak_positive' WHEN lift_score = 1.0 THEN 'independent' WHEN lift_score > 0.5 THEN
  'weak_negative' ELSE 'moderate_negative' END AS relationship_type FROM skill_dependencies WHERE lift_score IS NOT NULL ORDER BY co_occurrence_count DESC;
-- BUG kept: "users" are outcome rows; rates are always 1.0 or NULL.
CREATE VIEW v_ab_test_summary AS SELECT c.test_id, c.test_name, c.status, COUNT(DISTINCT o.user_id) AS total_users, SUM(CASE WHEN a.group_name = 'control' THEN
  1 ELSE 0 END) AS control_users, SUM(CASE WHEN a.group_name = 'treatment' THEN 1 ELSE 0 END) AS treatment_users, AVG(CASE WHEN o.completed = 1 AND a.group_name
  = 'control' THEN 1.0 ELSE NULL END) AS control_completion_rate, AVG(CASE WHEN o.completed = 1 AND a.group_name = 'treatment' THEN 1.0 ELSE NULL END) AS
  treatment_completion_rate FROM ab_test_configs c LEFT JOIN ab_test_outcomes o ON c.test_id = o.test_id LEFT JOIN ab_test_assignments a ON o.test_id =
  a.test_id AND o.user_id = a.user_id GROUP BY c.test_id;
CREATE VIEW v_multimodal_skill_catalog AS SELECT i.skill_name, mo.modality_type, mo.input_format, mo.output_format, mo.requires_human_review, COUNT(DISTINCT
  i.session_id) AS total_sessions, AVG(CASE WHEN i.completed THEN 1.0 ELSE 0.0 END) AS completion_rate, AVG(i.duration_seconds) AS avg_duration_seconds,
  cat.category_name, cat.domain FROM skill_invocation i LEFT JOIN skill_modalities mo ON i.skill_name = mo.skill_name LEFT JOIN skill_category_mapping cm ON
  i.skill_name = cm.skill_name LEFT JOIN skill_categories cat ON cm.category_id = cat.category_id GROUP BY i.skill_name;
INSERT OR IGNORE INTO skill_migrations (version, applied_at, description, applied_by) VALUES ('V4__phase4_extensions', '2026-10-01 12:00:00',
  'Phase 4 extensions: real-time, analytics, A/B testing, taxonomy', 'session-buddy');
-- ===== use: 3000 invocations, 40 skills, 60 sessions, 2026-10-21 .. 2026-11-20, through the triggers =====
INSERT INTO skill_invocation (skill_name, invoked_at, session_id, workflow_path, completed, duration_seconds, user_query, alternatives_considered,
  selection_rank, follow_up_actions, error_type, created_at, embedding, workflow_phase, workflow_step_id)
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000),
sk(k, name) AS (SELECT CAST(key AS INTEGER), value FROM json_each('[' ||
  '"ruff-check","pytest-run","black-format","git-commit","git-push","mypy","isort","pylint","coverage-report","hypothesis-test"' || ',' ||
  '"pytest-watch","sphinx-build","docstring-check","api-docs","markdown-lint","docker-build","k8s-deploy","terraform-apply","github-release","git-status"' ||
  ',' || '"git-diff","autopep8","bandit-scan","pip-audit","uv-sync","uv-lock","pre-commit-run","refurb","vulture","creosote"' || ',' ||
  '"complexipy","codespell","mdformat","yamllint","shellcheck","hadolint","helm-lint","alembic-migrate","profile-run","benchmark-run"' || ']')),
r AS (SELECT i, (i * 2654435761 + 40503) % 4294967291 AS h, datetime('2026-11-20 20:00:00', '-' || ((3000 - i) * 864 + (i * 7919) % 800) || ' seconds') AS t
  FROM n)
SELECT sk.name, CASE r.i % 3 WHEN 0 THEN strftime('%Y-%m-%dT%H:%M:%S', r.t) || printf('.%06d', (r.h / 7) % 1000000) WHEN 1 THEN strftime('%Y-%m-%dT%H:%M:%S',
  r.t) || printf('.%06d', (r.h / 7) % 1000000) || '+00:00' ELSE r.t END, printf('sb-%04d', (r.i - 1) / 50), CASE r.h % 5 WHEN 0 THEN 'quick' WHEN 1 THEN
  'comprehensive' WHEN 2 THEN 'standard' END, CASE WHEN r.h % 10 < 7 THEN 1 ELSE 0 END, CASE WHEN r.h % 11 = 0 THEN NULL ELSE round(0.5 + (r.h / 11) % 9000 /
  100.0, 2) END, 'run ' || sk.name || ' on the project', CASE WHEN r.h % 4 = 0 THEN json_array((SELECT name FROM sk s2 WHERE s2.k = (r.h / 3) % 40)) END, 1 +
  r.h % 3, CASE r.h % 6 WHEN 0 THEN '["git-commit","git-push"]' WHEN 1 THEN '["pytest-run"]' END, CASE WHEN r.h % 10 >= 7 AND r.h % 3 = 0 THEN CASE r.h % 4 WHEN
  0 THEN 'TimeoutError' WHEN 1 THEN 'ValueError' WHEN 2 THEN 'AssertionError' ELSE 'CalledProcessError' END END, datetime(r.t, '+1 seconds'), CASE WHEN r.i %
  500 = 0 THEN randomblob(1536) END, CASE WHEN r.i % 2 = 0 THEN CASE (r.h / 5) % 4 WHEN 0 THEN 'setup' WHEN 1 THEN 'execution' WHEN 2 THEN 'verification' ELSE
  'cleanup' END END, CASE WHEN r.i % 2 = 0 THEN 'step-' || (r.h / 13) % 20 END
FROM r JOIN sk ON sk.k = (r.h / 17) % 40 ORDER BY r.i;
-- scripts/initialize_taxonomy.py (plain connection, ISO timestamps from SQLite defaults)
INSERT OR IGNORE INTO skill_categories (category_name, description, domain) VALUES ('Code Quality', 'Static analysis and code quality', 'code'), ('Testing',
  'Test execution and coverage', 'testing'), ('Documentation', 'Docs generation and checks', 'documentation'), ('Build & Deploy', 'Builds and deployments',
  'deployment'), ('Git & Version Control', 'Version control operations', 'code'), ('Linting & Formatting', 'Linters and formatters', 'code');
INSERT OR IGNORE INTO skill_modalities (skill_name, modality_type, input_format, output_format, requires_human_review) VALUES ('ruff-check', 'code',
  'python_source', 'diagnostics', 0), ('pytest-run', 'testing', 'python_tests', 'test_results', 0), ('sphinx-build', 'documentation', 'rst_docs', 'html_docs',
  1), ('docker-build', 'deployment', 'dockerfile', 'docker_image', 0);
INSERT OR IGNORE INTO skill_dependencies (skill_a, skill_b, co_occurrence_count, lift_score) VALUES ('ruff-check', 'black-format', 1, 3.5), ('pytest-run',
  'coverage-report', 1, 2.8), ('git-commit', 'git-push', 1, 4.2), ('docker-build', 'k8s-deploy', 1, 2.1);
-- analytics/ab_testing.py ABTestFramework: metrics comma-joined, Python isoformat UTC timestamps
INSERT INTO ab_test_configs (test_name, description, control_strategy, treatment_strategy, start_date, min_sample_size, metrics, assignment_ratio, status,
  created_at) VALUES ('lint-first-vs-test-first', 'Recommend ruff-check before pytest-run', 'test_first', 'lint_first', '2026-11-01T09:00:00.000000+00:00', 10,
  'completion_rate,avg_duration_seconds', 0.5, 'running', '2026-11-01 09:00:00');
INSERT INTO ab_test_assignments (test_id, user_id, group_name, assigned_at)
WITH RECURSIVE u(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM u WHERE j < 20)
SELECT 1, printf('user-%02d', j), CASE WHEN (j * 7) % 10 < 5 THEN 'control' ELSE 'treatment' END, strftime('%Y-%m-%dT%H:%M:%S', '2026-11-01 10:00:00', '+' || j
  || ' hours') || '.000000+00:00' FROM u;
INSERT INTO ab_test_outcomes (test_id, user_id, skill_name, completed, duration_seconds, user_rating, recorded_at)
WITH RECURSIVE o(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM o WHERE j < 60)
SELECT 1, printf('user-%02d', 1 + (j - 1) % 20), CASE WHEN j % 2 = 0 THEN 'ruff-check' ELSE 'pytest-run' END, CASE WHEN ((1 + (j - 1) % 20) * 7) % 10 < 5 THEN
  (j % 5 < 3) ELSE (j % 5 < 4) END, CASE WHEN j % 9 = 0 THEN NULL ELSE 2.0 + j % 13 END, CASE WHEN j % 4 = 0 THEN 1 + j % 5 END, strftime('%Y-%m-%dT%H:%M:%S',
  '2026-11-02 08:00:00', '+' || (j * 5) || ' hours') || '.000000+00:00' FROM o;
