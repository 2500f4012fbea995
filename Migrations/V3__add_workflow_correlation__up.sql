-- V3__add_workflow_correlation (up)
-- Adds the workflow phase/step of each invocation, partial indexes over the
-- rows that carry them, and three per-phase views.
-- Differs from session-buddy: no self-inserted skill_migrations row (the
-- migrator records versions). Rates keep session-buddy's scales:
-- v_skill_effectiveness_by_phase.completion_rate and
-- v_workflow_phase_patterns.completion_rate are percent (0..100),
-- v_skills_by_phase_usage.success_rate is a fraction (0..1).

ALTER TABLE skill_invocation ADD COLUMN workflow_phase TEXT;   -- setup/execution/verification/cleanup/rollback
ALTER TABLE skill_invocation ADD COLUMN workflow_step_id TEXT; -- Oneiric step id

CREATE INDEX idx_invocation_workflow_phase
    ON skill_invocation(workflow_phase) WHERE workflow_phase IS NOT NULL;
CREATE INDEX idx_invocation_workflow_step
    ON skill_invocation(workflow_step_id) WHERE workflow_step_id IS NOT NULL;
CREATE INDEX idx_invocation_phase_completion
    ON skill_invocation(workflow_phase, completed) WHERE workflow_phase IS NOT NULL;

CREATE VIEW v_skill_effectiveness_by_phase AS
SELECT skill_name,
       workflow_phase,
       COUNT(*)                                                     AS total_invocations,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END)                   AS completed_count,
       SUM(CASE WHEN completed THEN 0 ELSE 1 END)                   AS abandoned_count,
       AVG(CASE WHEN completed THEN duration_seconds END)           AS avg_duration_seconds,
       AVG(CASE WHEN completed THEN duration_seconds END)           AS avg_completion_time,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END) * 100.0 / COUNT(*) AS completion_rate
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY skill_name, workflow_phase;

CREATE VIEW v_workflow_phase_patterns AS
SELECT workflow_phase,
       COUNT(*)                                                     AS total_invocations,
       COUNT(DISTINCT skill_name)                                   AS unique_skills,
       COUNT(DISTINCT session_id)                                   AS unique_sessions,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END)                   AS completed_count,
       SUM(CASE WHEN completed THEN 1 ELSE 0 END) * 100.0 / COUNT(*) AS completion_rate,
       AVG(duration_seconds)                                        AS avg_duration_seconds
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY workflow_phase;

CREATE VIEW v_skills_by_phase_usage AS
SELECT workflow_phase,
       skill_name,
       COUNT(*)                                                     AS usage_count,
       AVG(CASE WHEN completed THEN 1.0 ELSE 0.0 END)               AS success_rate
FROM skill_invocation
WHERE workflow_phase IS NOT NULL
GROUP BY workflow_phase, skill_name
ORDER BY workflow_phase, usage_count DESC;
