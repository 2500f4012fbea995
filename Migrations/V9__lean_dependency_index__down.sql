-- V9__lean_dependency_index (down): V4's full index on lift_score.
DROP INDEX IF EXISTS idx_dependencies_strong_lift;
CREATE INDEX idx_dependencies_lift ON skill_dependencies(lift_score DESC);
