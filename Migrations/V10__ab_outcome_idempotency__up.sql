-- V10__ab_outcome_idempotency (up)
-- record_ab_outcome takes an idempotency_key, as ingest's track_invocation does: a client that retries after a
-- lost reply must not count one outcome twice. The key is unique per test; outcomes without one (session-buddy's,
-- or a client that sends none) stay NULL and are never compared.
ALTER TABLE ab_test_outcomes ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX idx_ab_outcomes_idempotency ON ab_test_outcomes(test_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
