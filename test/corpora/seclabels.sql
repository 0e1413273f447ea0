-- Security labels (issue 11; test/dump/seclabel.test.ts): one on every object kind SECURITY LABEL accepts in a
-- database, in the form pg_dump 15 writes them too. A stock server has no label provider (dummy_seclabel is a test
-- module, sepgsql needs SELinux), so the rows are written into pg_seclabel directly, as a provider would store them
-- (superusers may insert into catalogs on every supported major). Self-contained (schema sl); needs a superuser.
SET client_min_messages = warning;
CREATE SCHEMA sl;
CREATE TABLE sl.t (id integer PRIMARY KEY, "Note" text CHECK ("Note" <> ''));
COMMENT ON TABLE sl.t IS 'a table';
COMMENT ON COLUMN sl.t."Note" IS 'a column';
COMMENT ON CONSTRAINT "t_Note_check" ON sl.t IS 'an inline check';
CREATE VIEW sl.v AS SELECT id FROM sl.t;
CREATE MATERIALIZED VIEW sl.mv AS SELECT id FROM sl.t WITH NO DATA;
CREATE SEQUENCE sl.seq;
CREATE TYPE sl.mood AS ENUM ('a', 'b');
CREATE TYPE sl.comp AS (x integer, y text);
CREATE DOMAIN sl.dom AS integer CHECK (VALUE > 0);
COMMENT ON DOMAIN sl.dom IS 'a domain';
CREATE FUNCTION sl.f(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';
CREATE PROCEDURE sl.p() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE sl.agg(integer) (SFUNC = int4pl, STYPE = integer);
CREATE FOREIGN DATA WRAPPER sl_fdw;
CREATE SERVER sl_srv FOREIGN DATA WRAPPER sl_fdw;
CREATE FOREIGN TABLE sl.ft (a integer) SERVER sl_srv;
CREATE FUNCTION sl.evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER sl_evt ON ddl_command_start EXECUTE FUNCTION sl.evt();
COMMENT ON EVENT TRIGGER sl_evt IS 'an event trigger';
CREATE PUBLICATION sl_pub FOR TABLE sl.t;
CREATE SUBSCRIPTION sl_sub CONNECTION 'host=/nonexistent dbname=nowhere' PUBLICATION nopub WITH (connect = false, slot_name = NONE);
SELECT pg_catalog.lo_create(4343001);
CREATE FUNCTION sl.plh() RETURNS language_handler LANGUAGE c AS '$libdir/plpgsql', 'plpgsql_call_handler';
CREATE LANGUAGE sl_lang HANDLER sl.plh;
INSERT INTO pg_catalog.pg_seclabel (objoid, classoid, objsubid, provider, label) VALUES
  ('sl'::regnamespace, 'pg_namespace'::regclass, 0, 'selinux', 'system_u:object_r:sepgsql_schema_t:s0'),
  ('public'::regnamespace, 'pg_namespace'::regclass, 0, 'selinux', 'public schema'),
  ('sl.t'::regclass, 'pg_class'::regclass, 0, 'selinux', 'label''t'),
  ('sl.t'::regclass, 'pg_class'::regclass, 2, 'selinux', 'label col'),
  ('sl.t'::regclass, 'pg_class'::regclass, 0, 'Other Provider', 'second'),
  ('sl.v'::regclass, 'pg_class'::regclass, 0, 'selinux', 'v'),
  ('sl.v'::regclass, 'pg_class'::regclass, 1, 'selinux', 'v col'),
  ('sl.mv'::regclass, 'pg_class'::regclass, 0, 'selinux', 'mv'),
  ('sl.seq'::regclass, 'pg_class'::regclass, 0, 'selinux', 'seq'),
  ('sl.ft'::regclass, 'pg_class'::regclass, 0, 'selinux', 'ft'),
  ('sl.ft'::regclass, 'pg_class'::regclass, 1, 'selinux', 'ft col'),
  ('sl.mood'::regtype, 'pg_type'::regclass, 0, 'selinux', 'mood'),
  ('sl.comp'::regtype, 'pg_type'::regclass, 0, 'selinux', 'comp'),
  ('sl.dom'::regtype, 'pg_type'::regclass, 0, 'selinux', 'dom'),
  ('sl.f(integer)'::regprocedure, 'pg_proc'::regclass, 0, 'selinux', 'f'),
  ('sl.p()'::regprocedure, 'pg_proc'::regclass, 0, 'selinux', 'p'),
  ('sl.agg(integer)'::regprocedure, 'pg_proc'::regclass, 0, 'selinux', 'agg'),
  ((SELECT oid FROM pg_event_trigger WHERE evtname = 'sl_evt'), 'pg_event_trigger'::regclass, 0, 'selinux', 'evt'),
  ((SELECT oid FROM pg_publication WHERE pubname = 'sl_pub'), 'pg_publication'::regclass, 0, 'selinux', 'pub'),
  (4343001, 'pg_largeobject'::regclass, 0, 'selinux', 'lo'),
  ((SELECT oid FROM pg_language WHERE lanname = 'sl_lang'), 'pg_language'::regclass, 0, 'selinux', 'lang');
-- A subscription's label is in the shared pg_shseclabel (pg_subscription is a shared catalog).
INSERT INTO pg_catalog.pg_shseclabel (objoid, classoid, provider, label)
  SELECT s.oid, 'pg_subscription'::regclass, 'selinux', 'sub'
    FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE s.subname = 'sl_sub' AND d.datname = current_database();
