-- Corpus "objects-more": less common object kinds and dependency shapes — foreign data wrappers,
-- servers, user mappings, foreign tables (options in unsorted order), INSTEAD OF triggers on views, trigger
-- arguments with quotes, multi-action rules, functions used by generated columns / domain checks /
-- index expressions / policies / defaults across schemas, a matview reading a matview through a
-- BEGIN ATOMIC function, shared and restarted sequences, unlogged serial/identity sequences, grant
-- chains through several grantors, an owner with no privileges left, the public schema's owner, ACL and
-- comment changed, many and large large objects, a wide table, dollar-quote tag collisions.
-- Text search objects, operators, operator classes and casts are in objects-more-rare.sql.
SET client_min_messages = warning;
-- Syntax older majors lack sits in `\if :pg14` / `\if :pg15` blocks (with an equivalent for 13/14 in `\else`).
SELECT current_setting('server_version_num')::int >= 140000 AS pg14, current_setting('server_version_num')::int >= 150000 AS pg15 \gset
CREATE SCHEMA more AUTHORIZATION pgv_owner;
CREATE SCHEMA z_early;   -- sorts after "more" but holds what "more" needs
CREATE SCHEMA a_late;

-- public schema: owner, ACL and (removed) comment changed
ALTER SCHEMA public OWNER TO pgv_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pgv_app;
COMMENT ON SCHEMA public IS NULL;

-- Foreign data: postgres_fdw (ships with the server), options in unsorted order
CREATE EXTENSION postgres_fdw;
CREATE SERVER more_remote FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (port '5999', host '127.0.0.1', dbname 'nowhere', fetch_size '500');
ALTER SERVER more_remote OWNER TO pgv_owner;
CREATE USER MAPPING FOR pgv_app SERVER more_remote OPTIONS (user 'remote_app', password 'not-a-secret');
CREATE USER MAPPING FOR PUBLIC SERVER more_remote OPTIONS (user 'anyone');
CREATE FOREIGN TABLE more.remote_items (
  id integer OPTIONS (column_name 'item_id') NOT NULL,
  label text COLLATE "C" DEFAULT 'none'
) SERVER more_remote OPTIONS (table_name 'items', schema_name 'src', updatable 'false');
GRANT USAGE ON FOREIGN SERVER more_remote TO pgv_app;
GRANT SELECT ON more.remote_items TO pgv_reader;
COMMENT ON SERVER more_remote IS 'nothing listens there';
COMMENT ON FOREIGN TABLE more.remote_items IS 'never queried by the tests';

-- A table used by views, rules and matviews below
CREATE TYPE more.color AS ENUM ('red', 'green', 'blue');
CREATE TABLE more.readings (id integer PRIMARY KEY, delta integer, shade more.color);
INSERT INTO more.readings SELECT i, (i % 7) - 3, (ARRAY['red', 'green', 'blue'])[1 + i % 3]::more.color FROM generate_series(1, 30) AS i;

-- Functions used by generated columns, domain checks, index expressions, policies, defaults (cross-schema)
\if :pg14
CREATE FUNCTION a_late.slugify(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
  RETURN lower(regexp_replace(t, '[^A-Za-z0-9]+', '-', 'g'));
\else
CREATE FUNCTION a_late.slugify(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT
  AS $$ SELECT lower(regexp_replace(t, '[^A-Za-z0-9]+', '-', 'g')) $$;
\endif
\if :pg14
CREATE FUNCTION z_early.is_even(i integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT RETURN i % 2 = 0;
\else
CREATE FUNCTION z_early.is_even(i integer) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT i % 2 = 0 $$;
\endif
CREATE DOMAIN more.even_int AS integer CHECK (z_early.is_even(VALUE));
\if :pg14
CREATE FUNCTION a_late.default_title() RETURNS text LANGUAGE sql STABLE RETURN 'untitled';
\else
CREATE FUNCTION a_late.default_title() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'untitled' $$;
\endif
CREATE TABLE more.pages (
  id more.even_int PRIMARY KEY,
  title text NOT NULL DEFAULT a_late.default_title(),
  slug text GENERATED ALWAYS AS (a_late.slugify(title)) STORED,
  owner_role text NOT NULL DEFAULT 'pgv_app'
);
CREATE UNIQUE INDEX pages_slug_lower_idx ON more.pages (a_late.slugify(lower(title)));
INSERT INTO more.pages (id, title) VALUES (2, 'Hello, World!'), (4, 'Ünïcode Title'), (6, DEFAULT);
\if :pg14
CREATE FUNCTION z_early.current_app_role() RETURNS text LANGUAGE sql STABLE RETURN current_user::text;
\else
CREATE FUNCTION z_early.current_app_role() RETURNS text LANGUAGE sql STABLE AS $$ SELECT current_user::text $$;
\endif
ALTER TABLE more.pages ENABLE ROW LEVEL SECURITY;
CREATE POLICY pages_mine ON more.pages USING (owner_role = z_early.current_app_role());

-- Matview reading a matview through a BEGIN ATOMIC function
CREATE MATERIALIZED VIEW more.mv_base AS SELECT shade, count(*) AS n FROM more.readings GROUP BY shade;
\if :pg14
CREATE FUNCTION more.shade_count(c more.color) RETURNS bigint LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT b.n FROM more.mv_base b WHERE b.shade = c;
END;
\else
CREATE FUNCTION more.shade_count(c more.color) RETURNS bigint LANGUAGE sql STABLE
AS $$
  SELECT b.n FROM more.mv_base b WHERE b.shade = c;
$$;
\endif
CREATE MATERIALIZED VIEW more.mv_derived AS SELECT c AS shade, more.shade_count(c) AS n FROM unnest(enum_range(NULL::more.color)) AS c;

-- INSTEAD OF trigger on a view; trigger arguments with quotes and backslashes; multi-action rule
CREATE VIEW more.readings_view AS SELECT id, delta FROM more.readings;
CREATE FUNCTION more.readings_view_insert() RETURNS trigger LANGUAGE plpgsql AS $_$
BEGIN
  -- body with a $$ and a $_x$ inside: the dumper must choose another dollar-quote tag
  INSERT INTO more.readings (id, delta) VALUES (NEW.id, NEW.delta);
  RAISE DEBUG '$$ % $_x$', TG_ARGV[0];
  RETURN NEW;
END
$_$;
CREATE TRIGGER readings_view_ins INSTEAD OF INSERT ON more.readings_view
  FOR EACH ROW EXECUTE FUNCTION more.readings_view_insert('it''s', 'back\slash', '', 'tab	x');
CREATE TABLE more.events_log (id serial PRIMARY KEY, what text);
CREATE RULE readings_delete AS ON DELETE TO more.readings DO ALSO (
  INSERT INTO more.events_log (what) VALUES ('deleted ' || OLD.id);
  INSERT INTO more.events_log (what) VALUES ('shade ' || OLD.shade);
);

-- Sequences: shared by two tables, restarted identity, unlogged table with serial and identity
CREATE SEQUENCE more.shared_ids START 10;
CREATE TABLE more.left_things (id bigint PRIMARY KEY DEFAULT nextval('more.shared_ids'), v text);
CREATE TABLE more.right_things (id bigint PRIMARY KEY DEFAULT nextval('more.shared_ids'), v text);
INSERT INTO more.left_things (v) VALUES ('a'), ('b');
INSERT INTO more.right_things (v) VALUES ('c');
CREATE TABLE more.restarted (id integer GENERATED ALWAYS AS IDENTITY (START WITH 1 INCREMENT BY 5), v text);
INSERT INTO more.restarted (v) VALUES ('x'), ('y');
ALTER TABLE more.restarted ALTER COLUMN id RESTART WITH 500;
INSERT INTO more.restarted (v) VALUES ('z');
ALTER TABLE more.restarted ALTER COLUMN id SET INCREMENT BY 2;
CREATE UNLOGGED TABLE more.scratch (id serial PRIMARY KEY, n integer GENERATED BY DEFAULT AS IDENTITY, v text);
INSERT INTO more.scratch (v) VALUES ('one'), ('two');

-- Grant chains through several grantors; owner with no privileges left
CREATE TABLE more.chain (id integer PRIMARY KEY, secret text);
ALTER TABLE more.chain OWNER TO pgv_owner;
GRANT USAGE ON SCHEMA more TO pgv_grantor, pgv_app, pgv_auditor, pgv_reader;
GRANT SELECT, UPDATE ON more.chain TO pgv_grantor WITH GRANT OPTION;
SET ROLE pgv_grantor;
GRANT SELECT ON more.chain TO pgv_app WITH GRANT OPTION;
GRANT UPDATE (secret) ON more.chain TO pgv_auditor;
RESET ROLE;
SET ROLE pgv_app;
GRANT SELECT ON more.chain TO pgv_reader;
RESET ROLE;
CREATE TABLE more.locked (id integer);
ALTER TABLE more.locked OWNER TO pgv_owner;
REVOKE ALL ON more.locked FROM pgv_owner;

-- Many small large objects and one of several MB, owned by different roles
SELECT lo_from_bytea(70000 + i, convert_to(repeat('lo ' || i || E'\n', i), 'UTF8')) FROM generate_series(1, 300) AS i \g /dev/null
SELECT lo_from_bytea(80000, decode(string_agg(md5(i::text) || md5((-i)::text), ''), 'hex')) FROM generate_series(1, 160000) AS i \g /dev/null
ALTER LARGE OBJECT 80000 OWNER TO "pgv Weird ""Role""";
COMMENT ON LARGE OBJECT 70001 IS E'comment with\nnewline \\ and ''quote''';
GRANT UPDATE ON LARGE OBJECT 70002 TO PUBLIC;

-- A wide table (300 columns)
DO $$
BEGIN
  EXECUTE 'CREATE TABLE more.wide (' || (SELECT string_agg(format('c%s integer DEFAULT %s', i, i), ', ') FROM generate_series(1, 300) AS i) || ')';
END
$$;
INSERT INTO more.wide DEFAULT VALUES;
INSERT INTO more.wide (c1, c300) VALUES (-1, -300);

-- Domains over arrays, arrays of domains, a policy with a subquery, explicit view options, FOR ALL TABLES
CREATE DOMAIN more.tag_list AS text[] CONSTRAINT tag_list_short CHECK (cardinality(VALUE) < 10);
CREATE DOMAIN more.positive AS integer CONSTRAINT positive_check CHECK (VALUE > 0);
CREATE TABLE more.tagged (id integer PRIMARY KEY, tags more.tag_list, scores more.positive[] DEFAULT '{1}');
INSERT INTO more.tagged VALUES (1, '{a,b}', '{1,2}'), (2, '{}', NULL), (3, NULL, '{3}');
ALTER TABLE more.tagged ENABLE ROW LEVEL SECURITY;
CREATE POLICY tagged_if_page ON more.tagged AS RESTRICTIVE FOR SELECT TO pgv_reader
  USING (EXISTS (SELECT 1 FROM more.pages p WHERE p.id = (more.tagged.id * 2)));
CREATE VIEW more.pages_view WITH (security_barrier = false, check_option = local) AS SELECT id, title FROM more.pages;
CREATE PUBLICATION pgv_everything FOR ALL TABLES WITH (publish = 'insert', publish_via_partition_root = true);

-- Comments that look like SQL/psql when a dumper forgets to quote them
COMMENT ON TABLE more.wide IS E'*/ -- not a comment end\n\\! echo no\n;DROP TABLE more.wide;';
