-- V9__lean_dependency_index (up)
-- skill_dependencies holds a row for every pair of skills seen together often enough: hundreds of thousands
-- for a thousand skills. Lift is co·N / (n_a·n_b), so it moves with N (all sessions) for every pair at once,
-- and analytics rewrites the stored lifts as N grows. V4's index on lift_score made each of those updates
-- move an index entry to a new place: measured on 400,221 rows (1,000 skills, 100,000 sessions), rewriting
-- every lift took 14 s with the index and 1.5 s without it.
-- The index only serves "the strongest dependencies first", and strong ones are few (7.6 % of those rows had
-- lift ≥ 1.5, where "moderate_positive" starts); a partial index over them serves those reads and is left
-- alone when the lift of an independent pair moves.
DROP INDEX IF EXISTS idx_dependencies_lift;
CREATE INDEX idx_dependencies_strong_lift ON skill_dependencies(lift_score DESC) WHERE lift_score >= 1.5;
