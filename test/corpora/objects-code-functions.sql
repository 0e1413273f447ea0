-- Part of corpus "objects-code": function shapes pgvault assembles itself (like pg_dump, not via
-- pg_get_functiondef) — C and internal-language functions (`AS 'obj', 'symbol'`), a WINDOW function,
-- list-valued and quoted SET options, a moving-aggregate, a procedure with OUT arguments, SETOF a
-- table row type. Self-contained.
SET client_min_messages = warning;
-- Syntax older majors lack sits in `\if :pg14` / `\if :pg15` blocks (with an equivalent for 13/14 in `\else`).
SELECT current_setting('server_version_num')::int >= 140000 AS pg14, current_setting('server_version_num')::int >= 150000 AS pg15 \gset
CREATE SCHEMA "fn Schema";
CREATE EXTENSION hstore WITH SCHEMA "fn Schema";
CREATE TABLE "fn Schema".items (id integer PRIMARY KEY, label text);
INSERT INTO "fn Schema".items VALUES (1, 'one'), (2, 'two');

CREATE FUNCTION "fn Schema".c_digest(bytea, text) RETURNS bytea
  AS '$libdir/pgcrypto', 'pg_digest' LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION "fn Schema".int_eq(integer, integer) RETURNS boolean
  AS 'int4eq' LANGUAGE internal IMMUTABLE STRICT LEAKPROOF COST 2;
CREATE FUNCTION "fn Schema".my_row_number() RETURNS bigint
  AS 'window_row_number' LANGUAGE internal WINDOW IMMUTABLE;
CREATE FUNCTION "fn Schema".configured() RETURNS text
  LANGUAGE plpgsql STABLE
  SET search_path = "fn Schema", pg_catalog, "$user"
  SET work_mem = '64MB'
  SET datestyle = 'iso, dmy'
  SET application_name = 'it''s "quoted"'
  AS $$ BEGIN RETURN current_setting('search_path') || ' ' || current_setting('work_mem') || ' ' || current_setting('datestyle'); END $$;
CREATE FUNCTION "fn Schema".all_items() RETURNS SETOF "fn Schema".items
  LANGUAGE sql STABLE ROWS 2 AS 'SELECT * FROM "fn Schema".items ORDER BY id';
\if :pg14
CREATE FUNCTION "fn Schema".ext_bound(h "fn Schema".hstore) RETURNS integer
  LANGUAGE sql IMMUTABLE RETURN array_length("fn Schema".akeys(h), 1);
\else
CREATE FUNCTION "fn Schema".ext_bound(h "fn Schema".hstore) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$ SELECT array_length("fn Schema".akeys(h), 1) $$;
\endif
\if :pg14
CREATE PROCEDURE "fn Schema".counts(IN min_id integer, OUT n bigint, INOUT note text DEFAULT 'none')
  LANGUAGE plpgsql AS $$ BEGIN SELECT count(*) INTO n FROM "fn Schema".items WHERE id >= min_id; note := note || '!'; END $$;
\else
CREATE PROCEDURE "fn Schema".counts(IN min_id integer, INOUT n bigint, INOUT note text DEFAULT 'none')
  LANGUAGE plpgsql AS $$ BEGIN SELECT count(*) INTO n FROM "fn Schema".items WHERE id >= min_id; note := note || '!'; END $$;
\endif

\if :pg14
CREATE FUNCTION "fn Schema".sum_step(state numeric, v numeric) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN state + v;
\else
CREATE FUNCTION "fn Schema".sum_step(state numeric, v numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT state + v $$;
\endif
\if :pg14
CREATE FUNCTION "fn Schema".sum_unstep(state numeric, v numeric) RETURNS numeric LANGUAGE sql IMMUTABLE RETURN state - v;
\else
CREATE FUNCTION "fn Schema".sum_unstep(state numeric, v numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT state - v $$;
\endif
CREATE AGGREGATE "fn Schema".moving_sum(numeric) (
  SFUNC = "fn Schema".sum_step, STYPE = numeric, INITCOND = '0',
  MSFUNC = "fn Schema".sum_step, MINVFUNC = "fn Schema".sum_unstep, MSTYPE = numeric, MINITCOND = '0'
);
CREATE AGGREGATE "fn Schema".max_label(text) (SFUNC = text_larger, STYPE = text, SORTOP = >);
COMMENT ON FUNCTION "fn Schema".c_digest(bytea, text) IS 'C function from pgcrypto''s library';
REVOKE EXECUTE ON FUNCTION "fn Schema".configured() FROM PUBLIC;
