-- Completeness guard fixture (test/dump/guard.test.ts): an object pgvault does not write. A dump of a
-- database holding it must fail naming it (or, with allowUnsupported, list it).
-- Self-contained (schema gu). Loads on PostgreSQL 13 or newer, as superuser.
SET client_min_messages = warning;
CREATE SCHEMA gu;
CREATE TABLE gu.plain (id integer PRIMARY KEY);
-- Security label: no label provider is loaded in a stock server, so the row is written directly, as a
-- provider would store it.
INSERT INTO pg_catalog.pg_seclabel VALUES ('gu.plain'::regclass, 'pg_catalog.pg_class'::regclass, 0, 'gu_provider', 'secret');
-- Data of an extension configuration table (what pg_extension_config_dump() records from an extension's
-- script; written here directly, since that function only runs inside CREATE EXTENSION).
CREATE EXTENSION seg;
CREATE TABLE gu.settings (id integer PRIMARY KEY, value text);
INSERT INTO gu.settings VALUES (1, 'shipped'), (2, 'user row');
ALTER EXTENSION seg ADD TABLE gu.settings;
UPDATE pg_catalog.pg_extension SET extconfig = ARRAY['gu.settings'::regclass::oid], extcondition = ARRAY['WHERE id > 1'] WHERE extname = 'seg';
