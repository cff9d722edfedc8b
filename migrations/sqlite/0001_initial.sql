-- Sluice system database, initial schema (SQLite dialect).
--
-- Mirror: ../postgres/0001_initial.sql defines the same tables, columns, defaults and index names.
-- Conventions (see crates/system-db/README.md for why):
--   * Declared column types are only INTEGER and TEXT: sqlx's Any driver rejects SQLite columns
--     declared BOOLEAN / DATETIME, so booleans are INTEGER 0/1 (BOOLEAN on PostgreSQL).
--   * Timestamps are TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, DreamFactory's wire format; the format
--     sorts lexicographically, so ORDER BY and range comparisons on it are correct.
--   * JSON documents (service.config, role_service_access.filters, event_script.config) are TEXT.
--   * Ids use AUTOINCREMENT so a deleted service/role/app id is never handed out again (stale
--     caches and tokens keyed by id can never point at a new object); PostgreSQL identities
--     behave the same way.
--   * Unique names are case-insensitive (lower() indexes), as DreamFactory's MySQL collation is.
--   * Every unique index is named ux_<table>_<what>: DbError::Conflict maps the name to a field.
--   * Audit columns follow DreamFactory: created_date, last_modified_date, created_by_id and
--     last_modified_by_id (the last two reference "user" and become NULL when it is deleted).
--   * "user" is always quoted: it is a reserved word in PostgreSQL.

CREATE TABLE "user" (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT    NOT NULL,
    username            TEXT,
    first_name          TEXT,
    last_name           TEXT,
    email               TEXT    NOT NULL,
    -- password hash (PHC string); NULL until the user sets one (invited users).
    password            TEXT,
    is_sys_admin        INTEGER NOT NULL DEFAULT 0,
    is_active           INTEGER NOT NULL DEFAULT 1,
    phone               TEXT,
    security_question   TEXT,
    -- hash of the answer, never the answer itself.
    security_answer     TEXT,
    confirm_code        TEXT,
    default_app_id      INTEGER REFERENCES app (id) ON DELETE SET NULL,
    last_login_date     TEXT,
    oauth_provider      TEXT,
    adldap              TEXT,
    ldap_username       TEXT,
    saml                TEXT,
    remember_token      TEXT,
    created_date        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id       INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ux_user_email ON "user" (lower(email));
CREATE UNIQUE INDEX ux_user_username ON "user" (lower(username));

CREATE TABLE service (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT    NOT NULL,
    label               TEXT    NOT NULL,
    description         TEXT,
    is_active           INTEGER NOT NULL DEFAULT 0,
    type                TEXT    NOT NULL,
    mutable             INTEGER NOT NULL DEFAULT 1,
    deletable           INTEGER NOT NULL DEFAULT 1,
    config              TEXT    NOT NULL DEFAULT '{}',
    created_date        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id       INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ux_service_name ON service (lower(name));

CREATE TABLE role (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT    NOT NULL,
    description         TEXT,
    is_active           INTEGER NOT NULL DEFAULT 0,
    created_date        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id       INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ux_role_name ON role (lower(name));

-- service_id NULL = every service; component NULL or '' = the service root (spec 9.1).
CREATE TABLE role_service_access (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    role_id             INTEGER NOT NULL REFERENCES role (id) ON DELETE CASCADE,
    service_id          INTEGER REFERENCES service (id) ON DELETE CASCADE,
    component           TEXT,
    verb_mask           INTEGER NOT NULL DEFAULT 0,
    requestor_mask      INTEGER NOT NULL DEFAULT 1,
    filters             TEXT    NOT NULL DEFAULT '[]',
    filter_op           TEXT    NOT NULL DEFAULT 'AND',
    created_date        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id       INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE INDEX ix_role_service_access_role_id ON role_service_access (role_id);
CREATE INDEX ix_role_service_access_service_id ON role_service_access (service_id);

CREATE TABLE app (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    name                    TEXT    NOT NULL,
    api_key                 TEXT    NOT NULL,
    description             TEXT,
    is_active               INTEGER NOT NULL DEFAULT 0,
    -- 0 none, 1 storage service, 2 URL, 3 path, 4 git (spec 10.2)
    type                    INTEGER NOT NULL DEFAULT 0,
    path                    TEXT,
    url                     TEXT,
    storage_service_id      INTEGER REFERENCES service (id) ON DELETE SET NULL,
    storage_container       TEXT,
    requires_fullscreen     INTEGER NOT NULL DEFAULT 0,
    allow_fullscreen_toggle INTEGER NOT NULL DEFAULT 1,
    toggle_location         TEXT    NOT NULL DEFAULT 'top',
    role_id                 INTEGER REFERENCES role (id) ON DELETE SET NULL,
    created_date            TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date      TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id           INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id     INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ux_app_name ON app (lower(name));
CREATE UNIQUE INDEX ux_app_api_key ON app (api_key);
CREATE INDEX ix_app_role_id ON app (role_id);
CREATE INDEX ix_app_storage_service_id ON app (storage_service_id);

CREATE TABLE user_to_app_to_role (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    app_id  INTEGER NOT NULL REFERENCES app (id) ON DELETE CASCADE,
    role_id INTEGER NOT NULL REFERENCES role (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ux_user_to_app_to_role_user_app ON user_to_app_to_role (user_id, app_id);
CREATE INDEX ix_user_to_app_to_role_app_id ON user_to_app_to_role (app_id);
CREATE INDEX ix_user_to_app_to_role_role_id ON user_to_app_to_role (role_id);

-- One table for DreamFactory's system/app/role/user lookups: the scope is whichever of app_id,
-- role_id, user_id is set (none = system-wide). A name is unique within its scope.
CREATE TABLE lookup (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id              INTEGER REFERENCES app (id) ON DELETE CASCADE,
    role_id             INTEGER REFERENCES role (id) ON DELETE CASCADE,
    user_id             INTEGER REFERENCES "user" (id) ON DELETE CASCADE,
    name                TEXT    NOT NULL,
    value               TEXT,
    private             INTEGER NOT NULL DEFAULT 0,
    description         TEXT,
    created_date        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id       INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    CONSTRAINT ck_lookup_single_scope
        CHECK ((app_id IS NOT NULL) + (role_id IS NOT NULL) + (user_id IS NOT NULL) <= 1)
);
CREATE UNIQUE INDEX ux_lookup_scope_name
    ON lookup (coalesce(app_id, 0), coalesce(role_id, 0), coalesce(user_id, 0), name);
CREATE INDEX ix_lookup_role_id ON lookup (role_id);
CREATE INDEX ix_lookup_user_id ON lookup (user_id);

CREATE TABLE user_custom (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id             INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    name                TEXT    NOT NULL,
    value               TEXT,
    created_date        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id       INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ux_user_custom_user_name ON user_custom (user_id, name);

-- CORS rows (spec 15): origin/header/exposed_header are comma lists, method is a verb mask.
CREATE TABLE cors (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    path                 TEXT    NOT NULL,
    description          TEXT,
    origin               TEXT    NOT NULL,
    header               TEXT,
    exposed_header       TEXT,
    method               INTEGER NOT NULL DEFAULT 0,
    max_age              INTEGER NOT NULL DEFAULT 3600,
    supports_credentials INTEGER NOT NULL DEFAULT 0,
    enabled              INTEGER NOT NULL DEFAULT 1,
    created_date         TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date   TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id        INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id  INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ux_cors_path ON cors (path);

-- Rate limits (spec 11.1). period is stored as its index 0..4; key_text is computed by the
-- gateway and is what makes a limit unique. DreamFactory's limits have no *_by_id columns.
CREATE TABLE limits (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    type               TEXT    NOT NULL,
    key_text           TEXT    NOT NULL,
    rate               INTEGER NOT NULL,
    period             INTEGER NOT NULL CHECK (period BETWEEN 0 AND 4),
    user_id            INTEGER REFERENCES "user" (id) ON DELETE CASCADE,
    role_id            INTEGER REFERENCES role (id) ON DELETE CASCADE,
    service_id         INTEGER REFERENCES service (id) ON DELETE CASCADE,
    endpoint           TEXT,
    verb               TEXT CHECK (verb IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    name               TEXT    NOT NULL,
    description        TEXT,
    is_active          INTEGER NOT NULL DEFAULT 1,
    created_date       TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX ux_limits_key_text ON limits (key_text);
CREATE INDEX ix_limits_service_id ON limits (service_id);
CREATE INDEX ix_limits_user_id ON limits (user_id);
CREATE INDEX ix_limits_role_id ON limits (role_id);

-- Event scripts (spec 10.2, 12): the primary key is the event name.
CREATE TABLE event_script (
    name                     TEXT    NOT NULL PRIMARY KEY,
    type                     TEXT    NOT NULL,
    content                  TEXT,
    config                   TEXT,
    is_active                INTEGER NOT NULL DEFAULT 0,
    allow_event_modification INTEGER NOT NULL DEFAULT 0,
    storage_service_id       INTEGER REFERENCES service (id) ON DELETE SET NULL,
    storage_path             TEXT,
    scm_repository           TEXT,
    scm_reference            TEXT,
    created_date             TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date       TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id            INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id      INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);

-- Issued session tokens, DreamFactory's token_map (spec 8.3), keyed by JWT id. Only the jti is
-- stored, never the token: a database reader must not be able to replay sessions. Lets the
-- gateway revoke every token of a user (password change, role/app deactivation).
CREATE TABLE token_map (
    jti        TEXT    NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    app_id     INTEGER REFERENCES app (id) ON DELETE CASCADE,
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX ix_token_map_user_id ON token_map (user_id);
CREATE INDEX ix_token_map_expires_at ON token_map (expires_at);

-- Revoked JWT ids until they expire (unix seconds); pruned once expired.
CREATE TABLE token_revocation (
    jti        TEXT    NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
CREATE INDEX ix_token_revocation_expires_at ON token_revocation (expires_at);

-- Small internal key/values (install id, schema-independent flags). Not DreamFactory's
-- user-visible system/custom resource.
CREATE TABLE system_setting (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
