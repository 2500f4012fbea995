-- V8__one_timestamp_rule (down): V5's triggers, which let strftime round fractions.

DROP TRIGGER IF EXISTS trg_invocation_normalise_after_insert;
DROP TRIGGER IF EXISTS trg_skill_metrics_after_insert;
DROP TRIGGER IF EXISTS trg_metrics_cache_after_insert;
DROP TRIGGER IF EXISTS trg_time_series_after_insert;
DROP TRIGGER IF EXISTS trg_sessions_after_insert;

CREATE TRIGGER trg_invocation_normalise_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
 AND (NEW.invoked_at IS NOT COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
   OR NEW.created_at IS NOT COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.created_at), NEW.created_at))
BEGIN
    UPDATE skill_invocation SET
        invoked_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', invoked_at), invoked_at),
        created_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at)
    WHERE id = NEW.id;
END;

CREATE TRIGGER trg_skill_metrics_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
BEGIN
    INSERT OR IGNORE INTO skill_metrics (skill_name, first_invoked, last_invoked, updated_at)
    VALUES (NEW.skill_name,
            COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at),
            COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at),
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

    UPDATE skill_metrics SET
        total_invocations      = total_invocations + 1,
        completed_invocations  = completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END),
        abandoned_invocations  = abandoned_invocations + (CASE WHEN NEW.completed THEN 0 ELSE 1 END),
        total_duration_seconds = total_duration_seconds
            + (CASE WHEN NEW.completed THEN COALESCE(NEW.duration_seconds, 0) ELSE 0 END),
        workflow_paths = CASE WHEN NEW.workflow_path IS NULL THEN workflow_paths ELSE
            json_patch(COALESCE(workflow_paths, '{}'), json_object(NEW.workflow_path,
                COALESCE((SELECT value FROM json_each(skill_metrics.workflow_paths)
                          WHERE key = NEW.workflow_path), 0) + 1)) END,
        common_errors = CASE WHEN NEW.error_type IS NULL THEN common_errors ELSE
            json_patch(COALESCE(common_errors, '{}'), json_object(NEW.error_type,
                COALESCE((SELECT value FROM json_each(skill_metrics.common_errors)
                          WHERE key = NEW.error_type), 0) + 1)) END,
        follow_up_actions = CASE
            WHEN (CASE WHEN json_valid(NEW.follow_up_actions)
                       THEN json_extract(NEW.follow_up_actions, '$[0]') END) IS NULL
            THEN follow_up_actions ELSE
            json_patch(COALESCE(follow_up_actions, '{}'), json_object(
                CAST(json_extract(NEW.follow_up_actions, '$[0]') AS TEXT),
                COALESCE((SELECT value FROM json_each(skill_metrics.follow_up_actions)
                          WHERE key = CAST(json_extract(NEW.follow_up_actions, '$[0]') AS TEXT)), 0) + 1)) END,
        first_invoked = CASE
            WHEN first_invoked IS NULL
              OR COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at) < first_invoked
            THEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
            ELSE first_invoked END,
        last_invoked = CASE
            WHEN last_invoked IS NULL
              OR COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at) > last_invoked
            THEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
            ELSE last_invoked END,
        completion_rate = (completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END)) * 100.0
                          / (total_invocations + 1),
        avg_duration_seconds = CASE
            WHEN completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END) > 0
            THEN (total_duration_seconds
                  + (CASE WHEN NEW.completed THEN COALESCE(NEW.duration_seconds, 0) ELSE 0 END))
                 / (completed_invocations + (CASE WHEN NEW.completed THEN 1 ELSE 0 END))
            END,
        updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE skill_name = NEW.skill_name;
END;

CREATE TRIGGER trg_metrics_cache_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
BEGIN
    INSERT INTO skill_metrics_cache
        (skill_name, last_invocation_at, invocation_count_1h, invocation_count_24h,
         avg_completion_rate_24h, updated_at)
    VALUES (
        NEW.skill_name,
        COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at),
        CASE WHEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
                  >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour') THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
                  >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours') THEN 1 ELSE 0 END,
        CASE WHEN COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at)
                  >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-24 hours')
             THEN (CASE WHEN NEW.completed THEN 1.0 ELSE 0.0 END) END,
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ON CONFLICT (skill_name) DO UPDATE SET
        last_invocation_at = CASE WHEN excluded.last_invocation_at > last_invocation_at
                                  THEN excluded.last_invocation_at ELSE last_invocation_at END,
        invocation_count_1h  = COALESCE(invocation_count_1h, 0) + excluded.invocation_count_1h,
        invocation_count_24h = COALESCE(invocation_count_24h, 0) + excluded.invocation_count_24h,
        avg_completion_rate_24h = CASE
            WHEN excluded.invocation_count_24h = 0 THEN avg_completion_rate_24h
            ELSE (COALESCE(avg_completion_rate_24h, 0) * COALESCE(invocation_count_24h, 0)
                  + excluded.avg_completion_rate_24h) / (COALESCE(invocation_count_24h, 0) + 1)
            END,
        updated_at = excluded.updated_at;
END;

CREATE TRIGGER trg_time_series_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
 AND strftime('%Y-%m-%dT%H:00:00.000Z', NEW.invoked_at) IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO skill_time_series_sessions (skill_name, timestamp, session_id)
    VALUES (NEW.skill_name, strftime('%Y-%m-%dT%H:00:00.000Z', NEW.invoked_at), NEW.session_id);

    INSERT INTO skill_time_series
        (skill_name, timestamp, invocation_count, completed_count, completion_rate,
         total_duration_seconds, duration_count, avg_duration_seconds, unique_sessions)
    VALUES (
        NEW.skill_name,
        strftime('%Y-%m-%dT%H:00:00.000Z', NEW.invoked_at),
        1,
        CASE WHEN NEW.completed THEN 1 ELSE 0 END,
        CASE WHEN NEW.completed THEN 1.0 ELSE 0.0 END,
        COALESCE(NEW.duration_seconds, 0),
        CASE WHEN NEW.duration_seconds IS NULL THEN 0 ELSE 1 END,
        NEW.duration_seconds,
        1)
    ON CONFLICT (skill_name, timestamp) DO UPDATE SET
        invocation_count       = invocation_count + 1,
        completed_count        = completed_count + excluded.completed_count,
        completion_rate        = (completed_count + excluded.completed_count) * 1.0 / (invocation_count + 1),
        total_duration_seconds = total_duration_seconds + excluded.total_duration_seconds,
        duration_count         = duration_count + excluded.duration_count,
        avg_duration_seconds   = CASE WHEN duration_count + excluded.duration_count > 0
                                      THEN (total_duration_seconds + excluded.total_duration_seconds)
                                           / (duration_count + excluded.duration_count) END,
        unique_sessions        = (SELECT COUNT(*) FROM skill_time_series_sessions s
                                  WHERE s.skill_name = excluded.skill_name
                                    AND s.timestamp = excluded.timestamp);
END;

CREATE TRIGGER trg_sessions_after_insert
AFTER INSERT ON skill_invocation
WHEN NOT EXISTS (SELECT 1 FROM ingest_batch_marker)
BEGIN
    INSERT OR IGNORE INTO sessions (session_id, user_id, project_path, started_at, ended_at)
    VALUES (NEW.session_id, NEW.user_id, NULL,
            COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', NEW.invoked_at), NEW.invoked_at), NULL);
END;
