-- Corpus "identifiers": names that need quoting everywhere — mixed case, spaces, reserved words,
-- unicode (incl. 4-byte characters), embedded double and single quotes, backslashes, a newline
-- followed by a psql meta-command (a dumper must never let a name start a new script line),
-- names exactly 63 bytes long (single- and multi-byte). PostgreSQL 15 and 17.
SET client_min_messages = warning;

CREATE SCHEMA "Mixed Case Schema";
CREATE SCHEMA "select";
CREATE SCHEMA "ünïcødé схема 🐘";
CREATE SCHEMA "we""ird 'sch.ema\";
ALTER SCHEMA "we""ird 'sch.ema\" OWNER TO "pgv Weird ""Role""";

CREATE TYPE "Mixed Case Schema"."Mood ""Enum""" AS ENUM ('Happy', 'sad ''n'' blue', '"quoted"', 'tab	in label', 'ünï');
CREATE DOMAIN "select"."from" AS text CONSTRAINT "check" CHECK (VALUE <> 'where');

CREATE TABLE "Mixed Case Schema"."User Table" (
  "Id" serial PRIMARY KEY,
  "select" text,
  "from" integer DEFAULT 1,
  "user" "select"."from",
  "order" integer CONSTRAINT "Order Check" CHECK ("order" >= 0),
  "ünï 列 🎉" text,
  "col""quote" text,
  "col'apos" text,
  "back\slash" text,
  "CamelCase" "Mixed Case Schema"."Mood ""Enum""",
  CONSTRAINT "Unique ""Select""" UNIQUE ("select", "from")
);
INSERT INTO "Mixed Case Schema"."User Table" ("select", "from", "user", "order", "ünï 列 🎉", "col""quote", "col'apos", "back\slash", "CamelCase")
SELECT 's' || i, i, 'u' || i, i, 'ü' || i, '"' || i, '''' || i, '\' || i,
       (ARRAY['Happy', 'sad ''n'' blue', '"quoted"', 'tab	in label', 'ünï'])[1 + i % 5]::"Mixed Case Schema"."Mood ""Enum"""
FROM generate_series(1, 25) AS i;
CREATE INDEX "Index With Spaces" ON "Mixed Case Schema"."User Table" ("order", "ünï 列 🎉");
COMMENT ON TABLE "Mixed Case Schema"."User Table" IS 'comment with ''quotes'', "doubles", \backslashes\ and
a second line';
COMMENT ON COLUMN "Mixed Case Schema"."User Table"."col""quote" IS 'column "quote"';
ALTER TABLE "Mixed Case Schema"."User Table" OWNER TO "pgv Weird ""Role""";
GRANT SELECT ("select", "col""quote") ON "Mixed Case Schema"."User Table" TO "pgv Weird ""Role""";
GRANT USAGE ON SCHEMA "Mixed Case Schema" TO "pgv Weird ""Role""";

CREATE TABLE "select"."table" (
  "column" integer PRIMARY KEY,
  "references" integer REFERENCES "Mixed Case Schema"."User Table" ("Id") ON DELETE CASCADE
);
INSERT INTO "select"."table" SELECT i, i FROM generate_series(1, 10) AS i;
CREATE TABLE "ünïcødé схема 🐘"."таблица ✓" ("ключ" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "値" text, "😀" text);
INSERT INTO "ünïcødé схема 🐘"."таблица ✓" ("値", "😀") VALUES ('一', 'grin'), ('二', NULL);

-- 63-byte names (the maximum): ASCII, 2-byte and 4-byte characters
CREATE TABLE "select".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (
  yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy integer
);
INSERT INTO "select".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx VALUES (63);
CREATE TABLE "select"."éééééééééééééééééééééééééééééééx" ("😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀abc" bigserial);
INSERT INTO "select"."éééééééééééééééééééééééééééééééx" DEFAULT VALUES;
CREATE SEQUENCE "select".sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss;
SELECT setval('"select".sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss', 63) \g /dev/null

-- Quotes in sequence names: setval's argument is a literal containing the quoted name
CREATE SEQUENCE "we""ird 'sch.ema\"."Seq ""Quoted"" 'n' \";
SELECT setval('"we""ird ''sch.ema\"."Seq ""Quoted"" ''n'' \"', 42, false) \g /dev/null
ALTER SEQUENCE "we""ird 'sch.ema\"."Seq ""Quoted"" 'n' \" OWNER TO "pgv Weird ""Role""";

-- A name with a newline and a psql meta-command on the second line
CREATE TABLE "select"."first line
\pgv_injected second line" ("a
b" integer);
INSERT INTO "select"."first line
\pgv_injected second line" VALUES (1);
COMMENT ON TABLE "select"."first line
\pgv_injected second line" IS 'newline in a name';

-- Functions, triggers, views, policies, rules with odd names
CREATE FUNCTION "Mixed Case Schema"."Func ""Name"""("Arg One" integer, "select" text DEFAULT 'it''s') RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT "select" || "Arg One" $$;
CREATE FUNCTION "select"."Trigger Fn"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER "Before ""Insert""" BEFORE INSERT ON "Mixed Case Schema"."User Table"
  FOR EACH ROW EXECUTE FUNCTION "select"."Trigger Fn"();
CREATE VIEW "select"."View ""V""" AS
  SELECT t."Id", t."select", "Mixed Case Schema"."Func ""Name"""(t."Id") AS "Computed Col"
  FROM "Mixed Case Schema"."User Table" t;
CREATE MATERIALIZED VIEW "select"."Mat View" AS SELECT "CamelCase", count(*) AS "Count" FROM "Mixed Case Schema"."User Table" GROUP BY 1;
ALTER TABLE "Mixed Case Schema"."User Table" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Policy ""P"" 'q'" ON "Mixed Case Schema"."User Table" TO "pgv Weird ""Role""" USING ("from" > 0);
CREATE RULE "Rule R" AS ON UPDATE TO "select"."table" DO ALSO NOTIFY "select";
CREATE STATISTICS "select"."Stats S" ON "select", "from" FROM "Mixed Case Schema"."User Table";
CREATE COLLATION "select"."Coll ""C""" FROM "C";
CREATE PUBLICATION "Pub ""P""" FOR TABLE "select"."table";
COMMENT ON FUNCTION "Mixed Case Schema"."Func ""Name"""(integer, text) IS 'func with "quotes"';
COMMENT ON POLICY "Policy ""P"" 'q'" ON "Mixed Case Schema"."User Table" IS 'policy';
GRANT EXECUTE ON FUNCTION "Mixed Case Schema"."Func ""Name"""(integer, text) TO "pgv Weird ""Role""";
ALTER DEFAULT PRIVILEGES FOR ROLE "pgv Weird ""Role""" IN SCHEMA "select" GRANT SELECT ON TABLES TO pgv_reader;
