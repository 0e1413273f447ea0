-- Corpus "sql-ascii": for a database created with ENCODING 'SQL_ASCII' (the harness creates source and
-- target that way). SQL_ASCII stores bytes unchecked, so old databases hold text that is not valid in
-- any encoding: Latin-1 bytes, broken UTF-8, a lone continuation byte — in data, in a comment and in
-- an object name. A dump must carry the bytes through unchanged (pg_dump declares
-- `client_encoding = 'SQL_ASCII'`); decoding them as UTF-8 anywhere corrupts or rejects them.
SET client_min_messages = warning;
SET standard_conforming_strings = on;
CREATE SCHEMA legacy;
CREATE TABLE legacy.people (id integer PRIMARY KEY, name text, note varchar(50));
INSERT INTO legacy.people VALUES
  (1, E'Ren\xe9e', E'caf\xe9 latin-1'),
  (2, E'M\xc3\xbcller', 'valid utf-8 bytes'),
  (3, E'broken \xc3 utf-8', E'lone \x80 continuation'),
  (4, 'plain ascii', NULL),
  (5, E'\xff\xfe bytes', E'tab\there');
DO $$ BEGIN EXECUTE format('CREATE TABLE legacy.%I (v text)', E'caf\xe9'); END $$;
DO $$ BEGIN EXECUTE format('INSERT INTO legacy.%I VALUES (%L)', E'caf\xe9', E'\xe9t\xe9'); END $$;
COMMENT ON TABLE legacy.people IS E'comment with latin-1 \xe9 and \xff';
-- Latin-1 bytes in every kind of name and text the script carries (the file itself stays ASCII: the bytes are
-- written with E'\x..' escapes): a schema, an enum and its label, a table with a serial (so the sequence name and
-- its setval line hold them), a column with a default and a CHECK, an index, a column comment, a function body and
-- a view definition.
DO $$
DECLARE
  s text := E'sch\xe9ma';
  t text := E'tabl\xe9';
  c text := E'col\xf1';
BEGIN
  EXECUTE format('CREATE SCHEMA %I', s);
  EXECUTE format('CREATE TYPE %I.%I AS ENUM (%L, %L)', s, E'humeur\xe9', E'gai\xe9', 'triste');
  EXECUTE format('CREATE TABLE %I.%I (id serial PRIMARY KEY, %I text DEFAULT %L CONSTRAINT %I CHECK (%I <> %L), h %I.%I)',
    s, t, c, E'd\xe9faut', E'v\xe9rif', c, E'\xff', s, E'humeur\xe9');
  EXECUTE format('INSERT INTO %I.%I (%I, h) VALUES (%L, %L), (DEFAULT, %L)', s, t, c, E'\xe0 la \xe9cole \x80', E'gai\xe9', 'triste');
  EXECUTE format('CREATE INDEX %I ON %I.%I (%I)', E'idx_\xe9', s, t, c);
  EXECUTE format('COMMENT ON COLUMN %I.%I.%I IS %L', s, t, c, E'colonne \xe9 \xfe');
  EXECUTE format('CREATE FUNCTION %I.%I() RETURNS text LANGUAGE sql IMMUTABLE AS %L', s, E'r\xe9sum\xe9', E'SELECT ''r\xe9sum\xe9''::text');
  EXECUTE format('CREATE VIEW %I.%I AS SELECT %I, %I.%I() AS r FROM %I.%I WHERE %I <> %L', s, E'vue\xe9', c, s, E'r\xe9sum\xe9', s, t, c, E'\xe9');
END $$;
