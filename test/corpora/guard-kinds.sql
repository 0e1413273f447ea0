-- Completeness guard fixture (test/dump/guard.test.ts): one object of every catalog kind pgvault writes,
-- each with a distinctive name, so that switching off one renderer must make the dump fail naming it.
-- Self-contained (schema gk, database-wide objects prefixed gk_). Loads on PostgreSQL 13 or newer.
SET client_min_messages = warning;
CREATE SCHEMA gk;
CREATE TYPE gk.mood AS ENUM ('sad', 'ok');
CREATE FUNCTION gk.mood_rank(gk.mood) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT 1 $$;
CREATE CAST (gk.mood AS integer) WITH FUNCTION gk.mood_rank(gk.mood);
CREATE FUNCTION gk.lt3(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT $1 < $2 $$;
CREATE OPERATOR gk.<<< (LEFTARG = integer, RIGHTARG = integer, FUNCTION = gk.lt3);
CREATE OPERATOR FAMILY gk.fam USING hash;
CREATE OPERATOR CLASS gk.cls FOR TYPE integer USING hash AS OPERATOR 1 =, FUNCTION 1 hashint4(integer);
CREATE COLLATION gk.coll (provider = libc, locale = 'C');
CREATE TEXT SEARCH DICTIONARY gk.dict (TEMPLATE = simple);
CREATE TEXT SEARCH CONFIGURATION gk.cfg (PARSER = default);
CREATE TABLE gk.t (id integer PRIMARY KEY, a integer DEFAULT 7 CONSTRAINT a_positive CHECK (a > 0), b integer, m gk.mood);
INSERT INTO gk.t VALUES (1, 1, 1, 'ok'), (2, 2, 2, 'sad');
CREATE TABLE gk.child (id integer REFERENCES gk.t (id));
CREATE INDEX t_b_idx ON gk.t (b);
CREATE SEQUENCE gk.seq;
CREATE VIEW gk.v AS SELECT id FROM gk.t;
CREATE STATISTICS gk.st ON a, b FROM gk.t;
CREATE FUNCTION gk.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_trg BEFORE INSERT ON gk.t FOR EACH ROW EXECUTE FUNCTION gk.trg();
CREATE RULE t_rule AS ON UPDATE TO gk.child DO ALSO NOTIFY gk;
CREATE POLICY t_pol ON gk.t USING (a > 0);
COMMENT ON TABLE gk.t IS 'guarded';
ALTER DEFAULT PRIVILEGES IN SCHEMA gk GRANT SELECT ON TABLES TO PUBLIC;
CREATE FOREIGN DATA WRAPPER gk_fdw;
CREATE SERVER gk_srv FOREIGN DATA WRAPPER gk_fdw;
CREATE USER MAPPING FOR PUBLIC SERVER gk_srv;
CREATE FUNCTION gk.evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER gk_evt ON ddl_command_start EXECUTE FUNCTION gk.evt();
ALTER EVENT TRIGGER gk_evt DISABLE;
CREATE PUBLICATION gk_pub FOR TABLE gk.t;
SELECT pg_catalog.lo_create(4242001);
CREATE EXTENSION IF NOT EXISTS seg;
ALTER FUNCTION gk.lt3(integer, integer) DEPENDS ON EXTENSION seg;
CREATE TYPE gk.lbl;
CREATE FUNCTION gk.lbl_in(cstring) RETURNS gk.lbl LANGUAGE internal IMMUTABLE STRICT AS 'textin';
CREATE FUNCTION gk.lbl_out(gk.lbl) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
CREATE TYPE gk.lbl (INPUT = gk.lbl_in, OUTPUT = gk.lbl_out, LIKE = text);
CREATE ACCESS METHOD gk_am TYPE TABLE HANDLER heap_tableam_handler;
CREATE CONVERSION gk.conv FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
CREATE TEXT SEARCH PARSER gk.prs (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype);
CREATE TEXT SEARCH TEMPLATE gk.tmpl (LEXIZE = dsimple_lexize);
CREATE FUNCTION gk.plh() RETURNS language_handler LANGUAGE c AS '$libdir/plpgsql', 'plpgsql_call_handler';
CREATE LANGUAGE gk_lang HANDLER gk.plh;
CREATE FUNCTION gk.lbl_from(internal) RETURNS internal LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
CREATE TRANSFORM FOR gk.lbl LANGUAGE gk_lang (FROM SQL WITH FUNCTION gk.lbl_from(internal));
CREATE SUBSCRIPTION gk_sub CONNECTION 'host=/nonexistent dbname=nowhere' PUBLICATION nopub WITH (connect = false, slot_name = NONE);
-- Data of an extension configuration table (what pg_extension_config_dump() records from an extension's script;
-- registered directly here, since that function only runs inside CREATE EXTENSION).
CREATE TABLE gk.settings (id integer PRIMARY KEY, value text);
INSERT INTO gk.settings VALUES (1, 'shipped'), (2, 'user row');
ALTER EXTENSION seg ADD TABLE gk.settings;
UPDATE pg_catalog.pg_extension SET extconfig = ARRAY['gk.settings'::regclass::oid], extcondition = ARRAY['WHERE id > 1'] WHERE extname = 'seg';
-- A security label (no label provider is loaded in a stock server: written into pg_seclabel directly, as a provider
-- would store it).
INSERT INTO pg_catalog.pg_seclabel VALUES ('gk.t'::regclass, 'pg_catalog.pg_class'::regclass, 0, 'gk_provider', 'secret');
INSERT INTO pg_catalog.pg_shseclabel SELECT s.oid, 'pg_catalog.pg_subscription'::regclass, 'gk_provider', 'secret'
  FROM pg_catalog.pg_subscription s JOIN pg_catalog.pg_database d ON d.oid = s.subdbid WHERE s.subname = 'gk_sub' AND d.datname = pg_catalog.current_database();
