-- What DreamFactory's admin app manages beyond 0001 (SQLite dialect).
--
-- Mirror: ../postgres/0004_admin_app.sql defines the same tables, columns and index names.
--
-- email_template: DreamFactory's `system/email_template` records. Sluice sends no email yet;
-- the templates are stored so the admin app can manage them and packages can carry them.
-- `to`, `cc`, `bcc` and `attachment` hold an address (text) or a JSON array of them, as
-- DreamFactory stores them; `defaults` a JSON object. "to" is quoted everywhere: it is a
-- reserved word.
CREATE TABLE email_template (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    name                TEXT    NOT NULL,
    description         TEXT,
    "to"                TEXT,
    cc                  TEXT,
    bcc                 TEXT,
    subject             TEXT,
    attachment          TEXT,
    body_text           TEXT,
    body_html           TEXT,
    from_name           TEXT,
    from_email          TEXT,
    reply_to_name       TEXT,
    reply_to_email      TEXT,
    defaults            TEXT,
    created_date        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id       INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ux_email_template_name ON email_template (lower(name));

-- system_custom: DreamFactory's `system/custom`, instance-wide key/values the admin app keeps
-- (its settings), keyed by name. `value` is a JSON document.
CREATE TABLE system_custom (
    name                TEXT    NOT NULL PRIMARY KEY,
    value               TEXT,
    created_date        TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_modified_date  TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by_id       INTEGER REFERENCES "user" (id) ON DELETE SET NULL,
    last_modified_by_id INTEGER REFERENCES "user" (id) ON DELETE SET NULL
);
