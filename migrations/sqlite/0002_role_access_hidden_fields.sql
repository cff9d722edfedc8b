-- Role access: columns a role may not read (SQLite dialect).
--
-- Mirror: ../postgres/0002_role_access_hidden_fields.sql has the same effect.
--
-- hidden_fields is a Sluice extension, not a DreamFactory column: a JSON array of column names
-- (TEXT, like filters) that the role may not read on the tables the access row matches. The
-- default '[]' hides nothing, so existing rows keep DreamFactory's behaviour.
ALTER TABLE role_service_access ADD COLUMN hidden_fields TEXT NOT NULL DEFAULT '[]';

-- Tokens are looked up by app (revoking an app's sessions) and the app foreign key cascades on
-- delete; without an index both scan the whole table.
CREATE INDEX ix_token_map_app_id ON token_map (app_id);
