-- Part of corpus "objects-more": object kinds rare in application databases (pg_dump.md §9 P2) —
-- a text search dictionary and configuration used by a generated column, a cast, operators with an
-- operator class/family used by an index. Self-contained (own schema).
SET client_min_messages = warning;
-- Syntax older majors lack sits in `\if :pg14` / `\if :pg15` blocks (with an equivalent for 13/14 in `\else`).
SELECT current_setting('server_version_num')::int >= 140000 AS pg14, current_setting('server_version_num')::int >= 150000 AS pg15 \gset
CREATE SCHEMA rare;
CREATE TYPE rare.color AS ENUM ('red', 'green', 'blue');
CREATE TABLE rare.readings (id integer PRIMARY KEY, delta integer, shade rare.color);
INSERT INTO rare.readings SELECT i, (i % 7) - 3, (ARRAY['red', 'green', 'blue'])[1 + i % 3]::rare.color FROM generate_series(1, 30) AS i;
-- Text search
CREATE TEXT SEARCH DICTIONARY rare.simple_english (TEMPLATE = pg_catalog.simple, STOPWORDS = english, ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION rare.docs (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION rare.docs ALTER MAPPING FOR word, asciiword WITH rare.simple_english, pg_catalog.english_stem;
ALTER TEXT SEARCH CONFIGURATION rare.docs DROP MAPPING FOR email;
COMMENT ON TEXT SEARCH CONFIGURATION rare.docs IS 'custom config';
CREATE TABLE rare.articles (id integer PRIMARY KEY, body text, tsv tsvector GENERATED ALWAYS AS (to_tsvector('rare.docs'::regconfig, body)) STORED);
INSERT INTO rare.articles (id, body) VALUES (1, 'The quick brown foxes jumped'), (2, 'mail me at a@b.c');
CREATE INDEX articles_tsv_idx ON rare.articles USING gin (tsv);

-- Cast, operators, operator class/family
\if :pg14
CREATE FUNCTION rare.color_rank(rare.color) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
  RETURN array_position(enum_range(NULL::rare.color), $1);
\else
CREATE FUNCTION rare.color_rank(rare.color) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT array_position(enum_range(NULL::rare.color), $1) $$;
\endif
CREATE CAST (rare.color AS integer) WITH FUNCTION rare.color_rank(rare.color) AS ASSIGNMENT;
\if :pg14
CREATE FUNCTION rare.abs_lt(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT RETURN abs($1) < abs($2);
\else
CREATE FUNCTION rare.abs_lt(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT abs($1) < abs($2) $$;
\endif
\if :pg14
CREATE FUNCTION rare.abs_le(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT RETURN abs($1) <= abs($2);
\else
CREATE FUNCTION rare.abs_le(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT abs($1) <= abs($2) $$;
\endif
\if :pg14
CREATE FUNCTION rare.abs_eq(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT RETURN abs($1) = abs($2);
\else
CREATE FUNCTION rare.abs_eq(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT abs($1) = abs($2) $$;
\endif
\if :pg14
CREATE FUNCTION rare.abs_ge(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT RETURN abs($1) >= abs($2);
\else
CREATE FUNCTION rare.abs_ge(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT abs($1) >= abs($2) $$;
\endif
\if :pg14
CREATE FUNCTION rare.abs_gt(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT RETURN abs($1) > abs($2);
\else
CREATE FUNCTION rare.abs_gt(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT abs($1) > abs($2) $$;
\endif
\if :pg14
CREATE FUNCTION rare.abs_cmp(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
  RETURN CASE WHEN abs($1) < abs($2) THEN -1 WHEN abs($1) > abs($2) THEN 1 ELSE 0 END;
\else
CREATE FUNCTION rare.abs_cmp(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT CASE WHEN abs($1) < abs($2) THEN -1 WHEN abs($1) > abs($2) THEN 1 ELSE 0 END $$;
\endif
CREATE OPERATOR rare.<| (LEFTARG = integer, RIGHTARG = integer, FUNCTION = rare.abs_lt, COMMUTATOR = OPERATOR(rare.|>));
CREATE OPERATOR rare.<|= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = rare.abs_le);
CREATE OPERATOR rare.=|= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = rare.abs_eq, COMMUTATOR = OPERATOR(rare.=|=), RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR rare.|>= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = rare.abs_ge);
CREATE OPERATOR rare.|> (LEFTARG = integer, RIGHTARG = integer, FUNCTION = rare.abs_gt);
CREATE OPERATOR CLASS rare.abs_int_ops FOR TYPE integer USING btree AS
  OPERATOR 1 rare.<|, OPERATOR 2 rare.<|=, OPERATOR 3 rare.=|=, OPERATOR 4 rare.|>=, OPERATOR 5 rare.|>,
  FUNCTION 1 rare.abs_cmp(integer, integer);
COMMENT ON OPERATOR rare.=|= (integer, integer) IS 'equal absolute values';
CREATE INDEX readings_abs_idx ON rare.readings (delta rare.abs_int_ops);

