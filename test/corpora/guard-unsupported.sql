-- Completeness guard fixture (test/dump/guard.test.ts): an object pgvault does not write. A dump of a
-- database holding it must fail naming it (or, with allowUnsupported, list it).
-- Self-contained (schema gu). Loads on PostgreSQL 13 or newer, as superuser.
SET client_min_messages = warning;
CREATE SCHEMA gu;
CREATE TABLE gu.plain (id integer PRIMARY KEY);
-- Security label: no label provider is loaded in a stock server, so the row is written directly, as a
-- provider would store it.
INSERT INTO pg_catalog.pg_seclabel VALUES ('gu.plain'::regclass, 'pg_catalog.pg_class'::regclass, 0, 'gu_provider', 'secret');
