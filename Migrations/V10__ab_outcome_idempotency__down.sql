-- V10__ab_outcome_idempotency (down): the keys are dropped; the outcomes stay.
DROP INDEX IF EXISTS idx_ab_outcomes_idempotency;
ALTER TABLE ab_test_outcomes DROP COLUMN idempotency_key;
