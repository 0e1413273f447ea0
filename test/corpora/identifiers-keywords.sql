-- Part of corpus "identifiers": every keyword the server knows (pg_get_keywords(), so the list matches
-- the server version) as a column name, with per-column statistics targets and a default on each, plus
-- functions/arguments/sequences/indexes/constraints named with keywords, names differing only in case
-- or by a trailing space, names starting with a digit or containing `$`. A dumper that quotes names
-- with its own keyword list fails here if the list misses one.
SET client_min_messages = warning;
-- Syntax older majors lack sits in `\if :pg14` / `\if :pg15` blocks (with an equivalent for 13/14 in `\else`).
SELECT current_setting('server_version_num')::int >= 140000 AS pg14, current_setting('server_version_num')::int >= 150000 AS pg15 \gset
CREATE SCHEMA "Keywords";
DO $kw$
DECLARE
  cols text;
BEGIN
  SELECT string_agg(format('%I integer DEFAULT %s', word, n), ', ' ORDER BY word)
    INTO cols
    FROM (SELECT word, row_number() OVER (ORDER BY word) AS n FROM pg_get_keywords()) AS k;
  EXECUTE format('CREATE TABLE "Keywords".kw (%s)', cols);
  -- a statistics target and a comment on every reserved / column-name / type-function-name keyword column
  EXECUTE (SELECT string_agg(format('ALTER TABLE "Keywords".kw ALTER COLUMN %I SET STATISTICS 11', word), '; ')
             FROM pg_get_keywords() WHERE catcode <> 'U');
  EXECUTE (SELECT string_agg(format('COMMENT ON COLUMN "Keywords".kw.%I IS %L', word, catdesc), '; ')
             FROM pg_get_keywords() WHERE catcode <> 'U');
END
$kw$;
INSERT INTO "Keywords".kw DEFAULT VALUES;
INSERT INTO "Keywords".kw ("all", "analyse", "user", "window") VALUES (-1, -2, -3, -4);
CREATE SEQUENCE "Keywords"."between";
SELECT setval('"Keywords"."between"', 7) \g /dev/null
CREATE TABLE "Keywords"."offset" (
  "authorization" serial,
  "limit" integer GENERATED ALWAYS AS IDENTITY,
  "collate" text COLLATE "C" DEFAULT nextval('"Keywords"."between"')::text,
  CONSTRAINT "primary" PRIMARY KEY ("authorization"),
  CONSTRAINT "check" CHECK ("limit" > 0)
);
INSERT INTO "Keywords"."offset" DEFAULT VALUES;
CREATE INDEX "index" ON "Keywords"."offset" ("collate");
\if :pg14
CREATE FUNCTION "Keywords"."order"("limit" integer, "offset" integer DEFAULT 0) RETURNS integer
  LANGUAGE sql IMMUTABLE RETURN "limit" + "offset";
\else
CREATE FUNCTION "Keywords"."order"("limit" integer, "offset" integer DEFAULT 0) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$ SELECT "limit" + "offset" $$;
\endif
COMMENT ON FUNCTION "Keywords"."order"(integer, integer) IS 'keyword function';
CREATE TABLE "Keywords"."Users" (id integer PRIMARY KEY);
CREATE TABLE "Keywords".users (id integer PRIMARY KEY, "Users" integer REFERENCES "Keywords"."Users" (id));
CREATE TABLE "Keywords"."users " ("id " integer, " id" integer);
CREATE TABLE "Keywords"."1st" ("2nd" integer, "a$b" integer, "_ok" integer, "ümlaut" integer);
INSERT INTO "Keywords"."Users" VALUES (1);
INSERT INTO "Keywords".users VALUES (1, 1), (2, NULL);
INSERT INTO "Keywords"."users " VALUES (1, 2);
INSERT INTO "Keywords"."1st" VALUES (1, 2, 3, 4);
CREATE TYPE "Keywords"."type" AS ENUM ('a\b', '$1', '$$', 'E''x''');
CREATE TABLE "Keywords"."enum values" (v "Keywords"."type");
INSERT INTO "Keywords"."enum values" VALUES ('a\b'), ('$$'), ('E''x''');
