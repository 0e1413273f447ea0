-- Completeness guard fixture (test/dump/guard.test.ts): an object pgvault does not write. A dump of a
-- database holding it must fail naming it (or, with allowUnsupported, list it).
-- Self-contained (schema gu). Loads on PostgreSQL 13 or newer, as superuser.
SET client_min_messages = warning;
CREATE SCHEMA gu;
CREATE TABLE gu.plain (id integer PRIMARY KEY);
-- A security label on a foreign-data wrapper: SECURITY LABEL cannot name one (no provider can set it, and pg_dump
-- leaves it out), so pgvault has no statement for it; the row is written into pg_seclabel directly.
CREATE FOREIGN DATA WRAPPER gu_fdw;
INSERT INTO pg_catalog.pg_seclabel VALUES ((SELECT oid FROM pg_catalog.pg_foreign_data_wrapper WHERE fdwname = 'gu_fdw'),
  'pg_catalog.pg_foreign_data_wrapper'::regclass, 0, 'gu_provider', 'secret');
