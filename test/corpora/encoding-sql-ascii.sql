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
