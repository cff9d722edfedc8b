-- The change feed (crates/system-db/src/changes.rs). Every write to a table a gateway node
-- caches is recorded here by a trigger, in the writing transaction: a commit carries its
-- changes, a rollback takes them back, and no write path can forget to record one.
--
-- change_version holds one counter. Each recorded change increments it while holding the
-- row's write lock until commit, so versions are handed out in commit order without gaps:
-- a node that has applied version N reads `version > N` and misses nothing. A gap (old rows
-- are pruned) tells a node it fell too far behind, and it then reloads everything.
-- Mirror: ../postgres/0003_change_feed.sql (triggers there also NOTIFY the other nodes).

CREATE TABLE change_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO change_version (id, version) VALUES (1, 0);

-- topic: what changed (service, role, app, ...); key: which one (an id, a jti), as text.
-- created_at: unix seconds, for pruning.
CREATE TABLE change_log (
    version    INTEGER NOT NULL PRIMARY KEY,
    topic      TEXT    NOT NULL,
    key        TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX ix_change_log_created_at ON change_log (created_at);


CREATE TRIGGER tr_user_change_insert AFTER INSERT ON "user" BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'user', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_user_change_update AFTER UPDATE ON "user" BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'user', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_user_change_delete AFTER DELETE ON "user" BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'user', OLD.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_service_change_insert AFTER INSERT ON service BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'service', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_service_change_update AFTER UPDATE ON service BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'service', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_service_change_delete AFTER DELETE ON service BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'service', OLD.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_role_change_insert AFTER INSERT ON role BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'role', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_role_change_update AFTER UPDATE ON role BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'role', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_role_change_delete AFTER DELETE ON role BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'role', OLD.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_role_service_access_change_insert AFTER INSERT ON role_service_access BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'role', NEW.role_id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_role_service_access_change_update AFTER UPDATE ON role_service_access BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'role', NEW.role_id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_role_service_access_change_delete AFTER DELETE ON role_service_access BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'role', OLD.role_id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_app_change_insert AFTER INSERT ON app BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'app', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_app_change_update AFTER UPDATE ON app BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'app', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_app_change_delete AFTER DELETE ON app BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'app', OLD.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_user_to_app_to_role_change_insert AFTER INSERT ON user_to_app_to_role BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'user_app_role', NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_user_to_app_to_role_change_update AFTER UPDATE ON user_to_app_to_role BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'user_app_role', NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_user_to_app_to_role_change_delete AFTER DELETE ON user_to_app_to_role BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'user_app_role', OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_lookup_change_insert AFTER INSERT ON lookup BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'lookup', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_lookup_change_update AFTER UPDATE ON lookup BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'lookup', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_lookup_change_delete AFTER DELETE ON lookup BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'lookup', OLD.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_cors_change_insert AFTER INSERT ON cors BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'cors', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_cors_change_update AFTER UPDATE ON cors BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'cors', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_cors_change_delete AFTER DELETE ON cors BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'cors', OLD.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_limits_change_insert AFTER INSERT ON limits BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'limits', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_limits_change_update AFTER UPDATE ON limits BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'limits', NEW.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_limits_change_delete AFTER DELETE ON limits BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'limits', OLD.id, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_event_script_change_insert AFTER INSERT ON event_script BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'event_script', NEW.name, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_event_script_change_update AFTER UPDATE ON event_script BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'event_script', NEW.name, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

CREATE TRIGGER tr_event_script_change_delete AFTER DELETE ON event_script BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'event_script', OLD.name, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;

-- Revocations: only a new one changes what nodes refuse (expired ones are pruned).
CREATE TRIGGER tr_token_revocation_change_insert AFTER INSERT ON token_revocation BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1;
    INSERT INTO change_log (version, topic, key, created_at)
        SELECT version, 'revocation', NEW.jti, CAST(strftime('%s', 'now') AS INTEGER)
        FROM change_version WHERE id = 1;
END;
