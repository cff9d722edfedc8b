-- Role access: columns a role may not read (PostgreSQL dialect).
--
-- Mirror: ../sqlite/0002_role_access_hidden_fields.sql has the same effect; read its comments.
ALTER TABLE role_service_access ADD COLUMN hidden_fields TEXT NOT NULL DEFAULT '[]';

CREATE INDEX ix_token_map_app_id ON token_map (app_id);
