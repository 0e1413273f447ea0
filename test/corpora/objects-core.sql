-- Corpus "objects-core": schemas, extensions, types, sequences, tables, constraints, indexes.
-- Loads with `psql -X -v ON_ERROR_STOP=1` into an empty database on PostgreSQL 13–18
-- (after roles.sql in the cluster). Data is deterministic (no random(), no clock-dependent
-- values are compared across databases: defaults that call now()/gen_random_uuid() ran at load).
SET client_min_messages = warning;
-- Syntax older majors lack sits in `\if :pg14` / `\if :pg15` blocks (with an equivalent for 13/14 in `\else`).
SELECT current_setting('server_version_num')::int >= 140000 AS pg14, current_setting('server_version_num')::int >= 150000 AS pg15 \gset

-- Schemas -------------------------------------------------------------------------------------
CREATE SCHEMA app AUTHORIZATION pgv_owner;
CREATE SCHEMA ext;
CREATE SCHEMA empty_schema;
COMMENT ON SCHEMA app IS 'application schema';
COMMENT ON SCHEMA public IS 'public schema, comment changed';
GRANT USAGE ON SCHEMA app TO pgv_app, pgv_reader;
GRANT CREATE ON SCHEMA public TO pgv_app;
REVOKE ALL ON SCHEMA empty_schema FROM PUBLIC;

-- Extensions shipped with the server (present in Debian 15 and embedded 17) -------------------
CREATE EXTENSION pgcrypto WITH SCHEMA ext;
CREATE EXTENSION citext WITH SCHEMA ext;
CREATE EXTENSION hstore WITH SCHEMA ext;
CREATE EXTENSION pg_trgm WITH SCHEMA ext;
CREATE EXTENSION "uuid-ossp" WITH SCHEMA ext;
CREATE EXTENSION btree_gist;
COMMENT ON EXTENSION hstore IS 'key/value pairs (comment changed by the corpus)';
-- ACL changes on extension members are dumped (pg_init_privs delta), the members are not.
REVOKE EXECUTE ON FUNCTION ext.digest(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ext.digest(text, text) TO pgv_app;
GRANT USAGE ON SCHEMA ext TO PUBLIC;

-- Types ---------------------------------------------------------------------------------------
CREATE TYPE app.status AS ENUM ('new', 'it''s "quoted"', 'done', 'with space');
ALTER TYPE app.status ADD VALUE 'archived' BEFORE 'done';
ALTER TYPE app.status OWNER TO pgv_owner;
COMMENT ON TYPE app.status IS 'order status';

CREATE DOMAIN app.email AS ext.citext
  CONSTRAINT email_has_at CHECK (VALUE OPERATOR(pg_catalog.~) '^[^@]+@[^@]+$');
CREATE DOMAIN app.positive_int AS integer NOT NULL DEFAULT 1
  CONSTRAINT positive CHECK (VALUE > 0);
CREATE DOMAIN app.short_text AS text COLLATE "C"
  CONSTRAINT short CHECK (length(VALUE) <= 200) CONSTRAINT not_blank CHECK (VALUE <> '');
ALTER DOMAIN app.positive_int OWNER TO pgv_owner;
COMMENT ON DOMAIN app.email IS 'an e-mail address';
COMMENT ON CONSTRAINT positive ON DOMAIN app.positive_int IS 'strictly positive';

CREATE TYPE app.address AS (street text, city text COLLATE "C", zip varchar(10));
COMMENT ON COLUMN app.address.zip IS 'postal code';
CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
\if :pg14
CREATE TYPE app.timerange AS RANGE (subtype = time, multirange_type_name = app.time_multirange);
\else
CREATE TYPE app.timerange AS RANGE (subtype = time);
\endif
REVOKE USAGE ON TYPE app.address FROM PUBLIC;
GRANT USAGE ON TYPE app.address TO pgv_app;

CREATE COLLATION app.german_phonebook (provider = icu, locale = 'de-u-co-phonebk');
CREATE COLLATION app.case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- Sequences -----------------------------------------------------------------------------------
CREATE SEQUENCE app.invoice_no AS integer START WITH 1000 INCREMENT BY 7
  MINVALUE 10 MAXVALUE 999999 CACHE 5 CYCLE;
SELECT setval('app.invoice_no', 2000, true);
CREATE SEQUENCE app.never_used;
CREATE SEQUENCE app.not_called START 50;
SELECT setval('app.not_called', 77, false);
CREATE SEQUENCE app.countdown AS smallint INCREMENT BY -3;
SELECT nextval('app.countdown'), nextval('app.countdown');
\if :pg15
CREATE UNLOGGED SEQUENCE app.unlogged_seq;
\else
CREATE SEQUENCE app.unlogged_seq;
\endif
SELECT nextval('app.unlogged_seq');
ALTER SEQUENCE app.invoice_no OWNER TO pgv_owner;
COMMENT ON SEQUENCE app.invoice_no IS 'invoice numbers';
GRANT USAGE ON SEQUENCE app.invoice_no TO pgv_app;
GRANT SELECT ON SEQUENCE app.not_called TO pgv_reader;

-- Tables --------------------------------------------------------------------------------------
CREATE TABLE app.customers (
  id bigserial PRIMARY KEY,
  uid uuid NOT NULL DEFAULT gen_random_uuid(),
  legacy_uid uuid DEFAULT ext.uuid_generate_v4(),
  email app.email NOT NULL,
  name text COLLATE "C" NOT NULL,
  nickname text COLLATE app.case_insensitive,
  status app.status NOT NULL DEFAULT 'new',
  attrs jsonb NOT NULL DEFAULT '{}'::jsonb,
  tags ext.hstore,
  home app.address,
  score app.positive_int,
  created_at timestamptz NOT NULL DEFAULT now(),
  name_upper text GENERATED ALWAYS AS (upper(name)) STORED,
  big_note text,
  CONSTRAINT customers_email_key UNIQUE (email)
) WITH (fillfactor = 80, autovacuum_enabled = false, toast.autovacuum_enabled = false);
ALTER TABLE app.customers ALTER COLUMN big_note SET STORAGE EXTERNAL;
ALTER TABLE app.customers ALTER COLUMN name SET STATISTICS 500;
ALTER TABLE app.customers ALTER COLUMN attrs SET (n_distinct = 100);
ALTER TABLE app.customers REPLICA IDENTITY FULL;
-- lz4 where the server has it (Debian 15), explicit pglz otherwise (embedded 17); no compression clause before 14.
\if :pg14
DO $$
BEGIN
  IF 'lz4' = ANY ((SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression')::text[]) THEN
    EXECUTE 'ALTER TABLE app.customers ALTER COLUMN attrs SET COMPRESSION lz4';
  ELSE
    EXECUTE 'ALTER TABLE app.customers ALTER COLUMN attrs SET COMPRESSION pglz';
  END IF;
END
$$;
ALTER TABLE app.customers ALTER COLUMN big_note SET COMPRESSION pglz;
\endif
ALTER TABLE app.customers OWNER TO pgv_owner;
COMMENT ON TABLE app.customers IS 'customers; comment with ''quotes'' and
a newline';
COMMENT ON COLUMN app.customers.email IS 'unique e-mail';

INSERT INTO app.customers (email, name, nickname, status, attrs, tags, home, score, big_note)
SELECT 'user' || i || '@example.com', 'Name ' || i, CASE WHEN i % 2 = 0 THEN 'NICK' || i END,
       (ARRAY['new', 'it''s "quoted"', 'done', 'with space', 'archived'])[1 + i % 5]::app.status,
       jsonb_build_object('i', i, 'even', i % 2 = 0),
       ext.hstore('k' || i, 'v' || i),
       ROW('Street ' || i, 'City', lpad(i::text, 5, '0'))::app.address,
       i,
       repeat('note ', i)
FROM generate_series(1, 200) AS i;

CREATE TABLE app.products (
  id integer PRIMARY KEY,
  sku text,
  barcode text,
  rank integer,
  title text COLLATE app.german_phonebook,
  CONSTRAINT products_rank_key UNIQUE (rank) DEFERRABLE INITIALLY IMMEDIATE,
  CONSTRAINT products_barcode_key UNIQUE (barcode) INCLUDE (sku) DEFERRABLE INITIALLY DEFERRED
);
\if :pg15
ALTER TABLE app.products ADD CONSTRAINT products_sku_key UNIQUE NULLS NOT DISTINCT (sku);
\else
ALTER TABLE app.products ADD CONSTRAINT products_sku_key UNIQUE (sku);
\endif
INSERT INTO app.products
SELECT i, CASE WHEN i = 7 THEN NULL ELSE 'SKU-' || i END, 'BC' || (i * 13), 100 - i,
       (ARRAY['Äpfel', 'Müller', 'Ober', 'Zebra'])[1 + i % 4]
FROM generate_series(1, 50) AS i;
ALTER TABLE app.products REPLICA IDENTITY USING INDEX products_pkey;
COMMENT ON CONSTRAINT products_sku_key ON app.products IS 'one NULL sku at most';
COMMENT ON INDEX app.products_barcode_key IS 'index comment on a constraint index';

CREATE TABLE app.orders (
  id integer GENERATED ALWAYS AS IDENTITY (START WITH 100 INCREMENT BY 10 CACHE 3) PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES app.customers (id) ON DELETE CASCADE ON UPDATE RESTRICT,
  product_id integer REFERENCES app.products (id) ON DELETE SET NULL,
  invoice integer DEFAULT nextval('app.invoice_no'),
  amount numeric(12, 2) NOT NULL CONSTRAINT amount_not_negative CHECK (amount >= 0),
  placed_on date NOT NULL DEFAULT CURRENT_DATE,
  during tstzrange,
  parent_id integer,
  CONSTRAINT orders_parent_fk FOREIGN KEY (parent_id) REFERENCES app.orders (id) DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT orders_no_overlap EXCLUDE USING gist (customer_id WITH =, during WITH &&)
);
INSERT INTO app.orders (customer_id, product_id, amount, placed_on, during, parent_id)
SELECT 1 + i % 200, 1 + i % 50, (i * 3.25)::numeric(12, 2), DATE '2024-01-01' + i,
       tstzrange(TIMESTAMPTZ '2024-01-01 00:00:00+00' + make_interval(days => i),
                 TIMESTAMPTZ '2024-01-01 00:00:00+00' + make_interval(days => i, hours => 5)),
       NULL
FROM generate_series(1, 500) AS i;
UPDATE app.orders SET parent_id = id - 10 WHERE id > 200 AND id % 3 = 0;
ALTER TABLE app.orders OWNER TO pgv_owner;
ALTER TABLE app.orders CLUSTER ON orders_pkey;

CREATE TABLE app.line_items (
  order_id integer NOT NULL,
  line smallint GENERATED BY DEFAULT AS IDENTITY (MINVALUE 1 MAXVALUE 30000 NO CYCLE),
  sku text,
  qty app.positive_int,
  CONSTRAINT line_items_pkey PRIMARY KEY (order_id, line) INCLUDE (sku)
);
INSERT INTO app.line_items (order_id, sku, qty) SELECT 100 + (i % 50) * 10, 'SKU-' || i, i FROM generate_series(1, 300) i;
INSERT INTO app.line_items (order_id, line, sku, qty) VALUES (100, 29999, 'manual', 2);

-- NOT VALID CHECK and FK over dirty data
CREATE TABLE app.legacy (id integer, qty integer, product_id integer, note text DEFAULT 'n/a');
INSERT INTO app.legacy VALUES (1, -5, 999, NULL), (2, 3, NULL, 'ok'), (3, 0, 1, 'zero');
ALTER TABLE app.legacy ADD CONSTRAINT legacy_qty_positive CHECK (qty > 0) NOT VALID;
ALTER TABLE app.legacy ADD CONSTRAINT legacy_product_fk FOREIGN KEY (product_id) REFERENCES app.products (id) NOT VALID;
COMMENT ON CONSTRAINT legacy_qty_positive ON app.legacy IS 'not valid over dirty rows';

-- FK cycle between two tables, and a self-reference
CREATE TABLE app.teams (id integer PRIMARY KEY, name text NOT NULL, captain_id integer);
CREATE TABLE app.players (id integer PRIMARY KEY, team_id integer REFERENCES app.teams (id), mentor_id integer REFERENCES app.players (id));
ALTER TABLE app.teams ADD CONSTRAINT teams_captain_fk FOREIGN KEY (captain_id) REFERENCES app.players (id) DEFERRABLE INITIALLY DEFERRED;
BEGIN;
INSERT INTO app.teams VALUES (1, 'red', 10), (2, 'blue', 20);
INSERT INTO app.players VALUES (10, 1, NULL), (11, 1, 10), (20, 2, NULL), (21, 2, 20), (22, 2, 21);
COMMIT;

-- Unlogged table, table in public, table with every relation option we can set
CREATE UNLOGGED TABLE app.cache (k text PRIMARY KEY, v bytea, expires timestamptz);
INSERT INTO app.cache VALUES ('a', '\x0001', '2030-01-01 00:00:00+00'), ('b', NULL, NULL);
CREATE TABLE public.plain_public (id integer PRIMARY KEY, v text DEFAULT 'x' NOT NULL, n numeric DEFAULT 0.5);
INSERT INTO public.plain_public (id) SELECT generate_series(1, 10);
ALTER TABLE public.plain_public REPLICA IDENTITY NOTHING;
CREATE TABLE app.settings (key text PRIMARY KEY, value text) WITH (fillfactor = 50, parallel_workers = 2, autovacuum_vacuum_scale_factor = 0.05);
INSERT INTO app.settings VALUES ('theme', 'dark'), ('lang', NULL);

-- Indexes -------------------------------------------------------------------------------------
CREATE INDEX customers_active_idx ON app.customers (created_at DESC NULLS LAST) WHERE status <> 'done';
CREATE INDEX customers_lower_name_idx ON app.customers (lower(name) text_pattern_ops);
ALTER INDEX app.customers_lower_name_idx ALTER COLUMN 1 SET STATISTICS 200;
CREATE INDEX customers_attrs_gin ON app.customers USING gin (attrs jsonb_path_ops);
CREATE INDEX customers_name_trgm ON app.customers USING gist (name ext.gist_trgm_ops);
CREATE INDEX customers_tags_gin ON app.customers USING gin (tags);
CREATE INDEX customers_uid_hash ON app.customers USING hash (uid);
CREATE INDEX orders_cover_idx ON app.orders (customer_id) INCLUDE (amount) WITH (fillfactor = 70);
CREATE INDEX orders_during_gist ON app.orders USING gist (during);
CREATE INDEX orders_placed_brin ON app.orders USING brin (placed_on) WITH (pages_per_range = 16);
CREATE UNIQUE INDEX products_title_lower_key ON app.products (lower(title) COLLATE "C", id) WHERE rank > 10;
COMMENT ON INDEX app.orders_cover_idx IS 'covering index';

-- Grants --------------------------------------------------------------------------------------
GRANT SELECT ON ALL TABLES IN SCHEMA app TO pgv_reader;
GRANT INSERT, UPDATE ON app.orders TO pgv_app;
GRANT SELECT (id, name), UPDATE (nickname) ON app.customers TO pgv_app;
REVOKE TRUNCATE ON app.orders FROM pgv_owner;
GRANT ALL ON app.settings TO pgv_app WITH GRANT OPTION;
