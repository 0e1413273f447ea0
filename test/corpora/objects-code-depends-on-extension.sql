-- Part of corpus "objects-code", after objects-code-functions.sql: `ALTER FUNCTION … DEPENDS ON EXTENSION`
-- (pg_depend type 'x': the function is dropped with the extension). pg_dump writes the ALTER after the
-- function.
SET client_min_messages = warning;
ALTER FUNCTION "fn Schema".ext_bound("fn Schema".hstore) DEPENDS ON EXTENSION hstore;
-- Every other kind that can carry it: procedure, index, materialized view, trigger.
CREATE PROCEDURE "fn Schema".ext_dep_proc() LANGUAGE sql AS $$ SELECT 1 $$;
ALTER PROCEDURE "fn Schema".ext_dep_proc() DEPENDS ON EXTENSION hstore;
CREATE TABLE "fn Schema".ext_dep_t (id integer);
INSERT INTO "fn Schema".ext_dep_t VALUES (1);
CREATE INDEX ext_dep_t_idx ON "fn Schema".ext_dep_t (id);
ALTER INDEX "fn Schema".ext_dep_t_idx DEPENDS ON EXTENSION hstore;
CREATE MATERIALIZED VIEW "fn Schema".ext_dep_mv AS SELECT id FROM "fn Schema".ext_dep_t;
ALTER MATERIALIZED VIEW "fn Schema".ext_dep_mv DEPENDS ON EXTENSION hstore;
CREATE FUNCTION "fn Schema".ext_dep_trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER ext_dep_trg BEFORE INSERT ON "fn Schema".ext_dep_t FOR EACH ROW EXECUTE FUNCTION "fn Schema".ext_dep_trg();
ALTER TRIGGER ext_dep_trg ON "fn Schema".ext_dep_t DEPENDS ON EXTENSION hstore;
