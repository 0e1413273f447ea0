-- Corpus "objects-kinds": object kinds that need C or internal functions, rare in applications but
-- dumped by pg_dump (issue 11): a base type made from a shell type and its I/O, receive/send and typmod
-- functions, used by a table, an array column, a view and casts; table and index access methods (a table
-- and an index using them); a conversion; a text search parser and template used by a dictionary and a
-- configuration; a procedural language (not an extension) with its handler, inline and validator
-- functions, a function in it and a transform. Self-contained (schema kinds); needs a superuser.
SET client_min_messages = warning;
CREATE SCHEMA kinds;

-- Base type: shell type, I/O functions, CREATE TYPE, casts (the issue's repro).
CREATE TYPE kinds.label;
CREATE FUNCTION kinds.label_in(cstring) RETURNS kinds.label LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textin';
CREATE FUNCTION kinds.label_out(kinds.label) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'textout';
CREATE FUNCTION kinds.label_recv(internal) RETURNS kinds.label LANGUAGE internal STABLE STRICT PARALLEL SAFE AS 'textrecv';
CREATE FUNCTION kinds.label_send(kinds.label) RETURNS bytea LANGUAGE internal STABLE STRICT PARALLEL SAFE AS 'textsend';
CREATE TYPE kinds.label (
  INPUT = kinds.label_in, OUTPUT = kinds.label_out, RECEIVE = kinds.label_recv, SEND = kinds.label_send,
  LIKE = text, CATEGORY = 'S', COLLATABLE = true
);
COMMENT ON TYPE kinds.label IS 'a text-like base type';
CREATE CAST (kinds.label AS text) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (text AS kinds.label) WITHOUT FUNCTION AS ASSIGNMENT;
CREATE TABLE kinds.tagged (id integer PRIMARY KEY, tag kinds.label, tags kinds.label[]);
INSERT INTO kinds.tagged VALUES (1, 'red', '{a,b}'), (2, 'green', '{}'), (3, NULL, NULL);
CREATE VIEW kinds.tag_texts AS SELECT id, tag::text AS t FROM kinds.tagged;

-- A base type with typmod functions, a default, a delimiter and explicit storage.
CREATE TYPE kinds.code;
CREATE FUNCTION kinds.code_in(cstring, oid, integer) RETURNS kinds.code LANGUAGE internal IMMUTABLE STRICT AS 'varcharin';
CREATE FUNCTION kinds.code_out(kinds.code) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'varcharout';
CREATE FUNCTION kinds.code_typmod_in(cstring[]) RETURNS integer LANGUAGE internal IMMUTABLE STRICT AS 'varchartypmodin';
CREATE FUNCTION kinds.code_typmod_out(integer) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'varchartypmodout';
CREATE TYPE kinds.code (
  INPUT = kinds.code_in, OUTPUT = kinds.code_out, TYPMOD_IN = kinds.code_typmod_in, TYPMOD_OUT = kinds.code_typmod_out,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = int4, STORAGE = main, CATEGORY = 'S', DEFAULT = 'none', DELIMITER = ';'
);
CREATE TABLE kinds.codes (c kinds.code(8), cs kinds.code[]);
INSERT INTO kinds.codes VALUES ('abc', '{x;y}');

-- Access methods.
CREATE ACCESS METHOD heap_kinds TYPE TABLE HANDLER heap_tableam_handler;
COMMENT ON ACCESS METHOD heap_kinds IS 'heap under another name';
CREATE TABLE kinds.stored_elsewhere (id integer) USING heap_kinds;
INSERT INTO kinds.stored_elsewhere SELECT generate_series(1, 5);
CREATE ACCESS METHOD hash_kinds TYPE INDEX HANDLER hashhandler;
CREATE OPERATOR CLASS kinds.int4_kinds_ops DEFAULT FOR TYPE integer USING hash_kinds AS
  OPERATOR 1 =, FUNCTION 1 hashint4(integer);
CREATE INDEX stored_elsewhere_id ON kinds.stored_elsewhere USING hash_kinds (id);

-- Conversion.
CREATE CONVERSION kinds.latin1_to_utf8_kinds FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
COMMENT ON CONVERSION kinds.latin1_to_utf8_kinds IS 'a copy of the built-in one';

-- Text search parser and template, used.
CREATE TEXT SEARCH PARSER kinds.prs (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
CREATE TEXT SEARCH TEMPLATE kinds.tmpl (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH TEMPLATE kinds.tmpl_noinit (LEXIZE = dsimple_lexize);
COMMENT ON TEXT SEARCH PARSER kinds.prs IS 'the default parser again';
CREATE TEXT SEARCH DICTIONARY kinds.dict (TEMPLATE = kinds.tmpl, ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION kinds.cfg (PARSER = kinds.prs);
ALTER TEXT SEARCH CONFIGURATION kinds.cfg ADD MAPPING FOR word, asciiword WITH kinds.dict;

-- A procedural language created without an extension (plpgsql's handlers under another name), a function
-- in it, its privileges, and a transform for the base type.
CREATE FUNCTION kinds.plk_call_handler() RETURNS language_handler LANGUAGE c AS '$libdir/plpgsql', 'plpgsql_call_handler';
CREATE FUNCTION kinds.plk_inline_handler(internal) RETURNS void LANGUAGE c STRICT AS '$libdir/plpgsql', 'plpgsql_inline_handler';
CREATE FUNCTION kinds.plk_validator(oid) RETURNS void LANGUAGE c STRICT AS '$libdir/plpgsql', 'plpgsql_validator';
CREATE TRUSTED LANGUAGE plkinds HANDLER kinds.plk_call_handler INLINE kinds.plk_inline_handler VALIDATOR kinds.plk_validator;
COMMENT ON LANGUAGE plkinds IS 'plpgsql under another name';
REVOKE USAGE ON LANGUAGE plkinds FROM PUBLIC;
GRANT USAGE ON LANGUAGE plkinds TO pgv_app;
CREATE FUNCTION kinds.in_plkinds(integer) RETURNS integer LANGUAGE plkinds IMMUTABLE AS $$ BEGIN RETURN $1 + 1; END $$;
CREATE TABLE kinds.computed (n integer, m integer GENERATED ALWAYS AS (kinds.in_plkinds(n)) STORED);
INSERT INTO kinds.computed (n) VALUES (1), (41);
CREATE FUNCTION kinds.label_from_sql(internal) RETURNS internal LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
CREATE FUNCTION kinds.label_to_sql(internal) RETURNS kinds.label LANGUAGE internal IMMUTABLE STRICT AS 'int4recv';
CREATE TRANSFORM FOR kinds.label LANGUAGE plkinds (FROM SQL WITH FUNCTION kinds.label_from_sql(internal), TO SQL WITH FUNCTION kinds.label_to_sql(internal));
COMMENT ON TRANSFORM FOR kinds.label LANGUAGE plkinds IS 'never called';

-- A subscription (never connects; pg_dump writes it with connect = false), with a comment.
-- The binary option exists from PostgreSQL 14 on.
SELECT current_setting('server_version_num')::int >= 140000 AS pg14 \gset
\if :pg14
CREATE SUBSCRIPTION kinds_sub CONNECTION 'host=/nonexistent dbname=nowhere application_name=''kinds''' PUBLICATION "pub one", pub2
  WITH (connect = false, slot_name = NONE, binary = true, synchronous_commit = local);
\else
CREATE SUBSCRIPTION kinds_sub CONNECTION 'host=/nonexistent dbname=nowhere application_name=''kinds''' PUBLICATION "pub one", pub2
  WITH (connect = false, slot_name = NONE, synchronous_commit = local);
\endif
COMMENT ON SUBSCRIPTION kinds_sub IS 'restored disabled';
