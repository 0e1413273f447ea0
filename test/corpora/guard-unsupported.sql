-- Completeness guard fixture (test/dump/guard.test.ts): objects pgvault does not write yet. A dump of a
-- database holding them must fail naming each one (or, with allowUnsupported, list them).
-- Self-contained (schema gu, database-wide objects prefixed gu_). Loads on PostgreSQL 13 or newer, as superuser.
SET client_min_messages = warning;
CREATE SCHEMA gu;
CREATE TABLE gu.plain (id integer PRIMARY KEY);
-- Security label: no label provider is loaded in a stock server, so the row is written directly, as a
-- provider would store it.
INSERT INTO pg_catalog.pg_seclabel VALUES ('gu.plain'::regclass, 'pg_catalog.pg_class'::regclass, 0, 'gu_provider', 'secret');
-- Subscription (never connects).
CREATE SUBSCRIPTION gu_sub CONNECTION 'host=/nonexistent dbname=nowhere' PUBLICATION nopub WITH (connect = false, slot_name = NONE);
