-- The change feed (crates/system-db/src/changes.rs); read ../sqlite/0003_change_feed.sql for
-- the design. PostgreSQL differences: one trigger function records every change, and it also
-- sends a NOTIFY on `sluice_change`, which PostgreSQL delivers if and only if the
-- transaction commits, so other nodes learn of a change within milliseconds.

CREATE TABLE change_version (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO change_version (id, version) VALUES (1, 0);

CREATE TABLE change_log (
    version    BIGINT NOT NULL PRIMARY KEY,
    topic      TEXT   NOT NULL,
    key        TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX ix_change_log_created_at ON change_log (created_at);

-- Records one change; also called directly for changes no table holds (a service's schema).
CREATE FUNCTION sluice_record_change(change_topic TEXT, change_key TEXT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE
    next_version BIGINT;
BEGIN
    UPDATE change_version SET version = version + 1 WHERE id = 1 RETURNING version INTO next_version;
    INSERT INTO change_log (version, topic, key, created_at)
        VALUES (next_version, change_topic, change_key, extract(epoch FROM now())::BIGINT);
    PERFORM pg_notify('sluice_change', next_version::TEXT);
    RETURN next_version;
END;
$$;

-- Trigger arguments: the topic, and the column whose value is the key.
CREATE FUNCTION sluice_row_changed() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    changed JSONB;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := to_jsonb(OLD);
    ELSE
        changed := to_jsonb(NEW);
    END IF;
    PERFORM sluice_record_change(TG_ARGV[0], changed ->> TG_ARGV[1]);
    RETURN NULL;
END;
$$;

CREATE TRIGGER tr_user_change AFTER INSERT OR UPDATE OR DELETE ON "user"
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('user', 'id');
CREATE TRIGGER tr_service_change AFTER INSERT OR UPDATE OR DELETE ON service
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('service', 'id');
CREATE TRIGGER tr_role_change AFTER INSERT OR UPDATE OR DELETE ON role
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('role', 'id');
CREATE TRIGGER tr_role_service_access_change AFTER INSERT OR UPDATE OR DELETE ON role_service_access
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('role', 'role_id');
CREATE TRIGGER tr_app_change AFTER INSERT OR UPDATE OR DELETE ON app
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('app', 'id');
CREATE TRIGGER tr_user_to_app_to_role_change AFTER INSERT OR UPDATE OR DELETE ON user_to_app_to_role
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('user_app_role', 'user_id');
CREATE TRIGGER tr_lookup_change AFTER INSERT OR UPDATE OR DELETE ON lookup
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('lookup', 'id');
CREATE TRIGGER tr_cors_change AFTER INSERT OR UPDATE OR DELETE ON cors
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('cors', 'id');
CREATE TRIGGER tr_limits_change AFTER INSERT OR UPDATE OR DELETE ON limits
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('limits', 'id');
CREATE TRIGGER tr_event_script_change AFTER INSERT OR UPDATE OR DELETE ON event_script
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('event_script', 'name');
-- Revocations: only a new one changes what nodes refuse (expired ones are pruned).
CREATE TRIGGER tr_token_revocation_change AFTER INSERT ON token_revocation
    FOR EACH ROW EXECUTE FUNCTION sluice_row_changed('revocation', 'jti');
