-- Corpus "objects-partitions": range/list/hash partitioning, default partitions, multi-level
-- partitioning, partitioned indexes, FKs from partitioned tables, partitions with their own
-- column order and dropped columns, trigger clones, inheritance (NO INHERIT checks, multiple
-- parents, merged columns), typed tables, a zero-column table. PostgreSQL 15 and 17.
-- Partitioned PRIMARY KEY / UNIQUE constraints and FKs *to* partitioned tables are in
-- objects-partitions-keys.sql (pg_dump 15 cannot restore them twice); a column added to an
-- inheritance parent after its children is in objects-partitions-inherit-order.sql.
SET client_min_messages = warning;
CREATE SCHEMA part AUTHORIZATION pgv_owner;

-- Range, with a default partition and a non-unique partitioned index
CREATE TABLE part.events (
  id bigint NOT NULL,
  at timestamptz NOT NULL,
  kind text NOT NULL DEFAULT 'misc',
  payload jsonb
) PARTITION BY RANGE (at);
CREATE TABLE part.events_2024_h1 PARTITION OF part.events
  FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-07-01 00:00:00+00');
CREATE TABLE part.events_2024_h2 PARTITION OF part.events
  FOR VALUES FROM ('2024-07-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')
  WITH (fillfactor = 90);
CREATE TABLE part.events_default PARTITION OF part.events DEFAULT;
CREATE INDEX events_kind_idx ON part.events (kind);
CREATE INDEX events_payload_idx ON part.events USING gin (payload);
CREATE INDEX events_h1_only_idx ON part.events_2024_h1 (id) WHERE kind = 'click';
ALTER TABLE part.events OWNER TO pgv_owner;
COMMENT ON TABLE part.events IS 'partitioned by time';
GRANT SELECT ON part.events TO pgv_reader;
INSERT INTO part.events
SELECT i, TIMESTAMPTZ '2023-12-01 00:00:00+00' + make_interval(hours => i * 7),
       (ARRAY['click', 'view', 'buy'])[1 + i % 3], jsonb_build_object('n', i)
FROM generate_series(1, 1500) AS i;

-- List, multi-level (list -> range), NULL in a list bound
CREATE TABLE part.sales (
  region text,
  sold_on date NOT NULL,
  amount numeric CONSTRAINT sales_amount_check CHECK (amount >= 0)
) PARTITION BY LIST (region);
CREATE TABLE part.sales_eu PARTITION OF part.sales FOR VALUES IN ('de', 'fr', 'it')
  PARTITION BY RANGE (sold_on);
CREATE TABLE part.sales_eu_2024 PARTITION OF part.sales_eu FOR VALUES FROM ('2024-01-01') TO (MAXVALUE);
CREATE TABLE part.sales_eu_old PARTITION OF part.sales_eu FOR VALUES FROM (MINVALUE) TO ('2024-01-01');
CREATE TABLE part.sales_us PARTITION OF part.sales FOR VALUES IN ('us', NULL);
CREATE TABLE part.sales_other PARTITION OF part.sales DEFAULT;
CREATE INDEX sales_sold_on_idx ON part.sales (sold_on DESC);
INSERT INTO part.sales
SELECT (ARRAY['de', 'fr', 'it', 'us', NULL, 'jp'])[1 + i % 6], DATE '2023-06-01' + i, i * 2.5
FROM generate_series(1, 600) AS i;

-- Hash
CREATE TABLE part.sessions (id integer NOT NULL, user_id integer, data text) PARTITION BY HASH (id);
CREATE TABLE part.sessions_0 PARTITION OF part.sessions FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE part.sessions_1 PARTITION OF part.sessions FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE part.sessions_2 PARTITION OF part.sessions FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE part.sessions_3 PARTITION OF part.sessions FOR VALUES WITH (MODULUS 4, REMAINDER 3);
INSERT INTO part.sessions SELECT i, i % 17, 'session ' || i FROM generate_series(1, 400) AS i;

-- A partition created standalone with its own column order and a dropped column, then attached;
-- the parent later gets a dropped column and a new column.
CREATE TABLE part.measurements (sensor integer NOT NULL, taken date NOT NULL, junk_parent text, value float8)
  PARTITION BY RANGE (taken);
ALTER TABLE part.measurements DROP COLUMN junk_parent;
CREATE TABLE part.measurements_2024 (value float8, junk text, taken date NOT NULL, sensor integer NOT NULL);
ALTER TABLE part.measurements_2024 DROP COLUMN junk;
ALTER TABLE part.measurements ATTACH PARTITION part.measurements_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE part.measurements_2025 PARTITION OF part.measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE part.measurements ADD COLUMN unit text DEFAULT 'C';
CREATE TABLE part.sensors (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO part.sensors SELECT i, 'sensor ' || i FROM generate_series(1, 5) AS i;
INSERT INTO part.measurements (sensor, taken, value)
SELECT 1 + i % 5, DATE '2024-01-01' + (i % 700), i / 7.0 FROM generate_series(1, 700) AS i;
-- FK from a partitioned table to a plain table
ALTER TABLE part.measurements ADD CONSTRAINT measurements_sensor_fk FOREIGN KEY (sensor) REFERENCES part.sensors (id) ON DELETE CASCADE;

-- Trigger on a partitioned table (cloned to partitions), disabled on one partition
CREATE FUNCTION part.no_negative() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.value < 0 THEN NEW.value := 0; END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER measurements_clamp BEFORE INSERT ON part.measurements FOR EACH ROW EXECUTE FUNCTION part.no_negative();
ALTER TABLE part.measurements_2025 DISABLE TRIGGER measurements_clamp;

-- A partition in another schema with its own owner, ACL, comment, local CHECK, extra NOT NULL and
-- its own column default; a serial column on a partitioned table
CREATE SCHEMA part_archive;
CREATE TABLE part_archive.events_2022 PARTITION OF part.events (
  payload DEFAULT '{"archived": true}'::jsonb,
  CONSTRAINT events_2022_kind_check CHECK (kind <> 'buy')
) FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2023-01-01 00:00:00+00');
ALTER TABLE part_archive.events_2022 ALTER COLUMN payload SET NOT NULL;
ALTER TABLE part_archive.events_2022 OWNER TO pgv_app;
GRANT SELECT ON part_archive.events_2022 TO pgv_auditor;
COMMENT ON TABLE part_archive.events_2022 IS 'archive partition';
INSERT INTO part_archive.events_2022 (id, at, kind) VALUES (-1, '2022-06-01 00:00:00+00', 'view');  -- gets the partition's default
CREATE TABLE part.tagged (id serial NOT NULL, tag text NOT NULL) PARTITION BY LIST (tag);
CREATE TABLE part.tagged_a PARTITION OF part.tagged FOR VALUES IN ('a');
CREATE TABLE part.tagged_b PARTITION OF part.tagged FOR VALUES IN ('b') WITH (toast_tuple_target = 256);
INSERT INTO part.tagged (tag) VALUES ('a'), ('b'), ('a');
ALTER TABLE part.tagged ALTER COLUMN tag SET STATISTICS 50;

-- Inheritance: NO INHERIT check, child-only check, merged column, multiple parents
CREATE TABLE part.vehicles (
  id integer NOT NULL,
  name text,
  wheels integer CONSTRAINT vehicles_wheels_check CHECK (wheels >= 0),
  CONSTRAINT vehicles_name_check CHECK (name <> '') NO INHERIT
);
CREATE TABLE part.boats (id integer NOT NULL, draft numeric);
CREATE TABLE part.cars (doors integer DEFAULT 4) INHERITS (part.vehicles);
CREATE TABLE part.trucks (payload integer, wheels integer NOT NULL DEFAULT 6) INHERITS (part.vehicles);
CREATE TABLE part.amphibians (propeller boolean) INHERITS (part.cars, part.boats);
ALTER TABLE part.cars ADD CONSTRAINT cars_doors_check CHECK (doors > 0);
INSERT INTO part.vehicles (id, name, wheels) VALUES (1, 'generic', 3);
INSERT INTO part.cars (id, name, wheels, doors) VALUES (2, 'sedan', 4, 4), (3, 'coupe', 4, 2);
INSERT INTO part.trucks (id, name, payload) VALUES (4, 'lorry', 10000);
INSERT INTO part.amphibians (id, name, wheels, doors, draft, propeller) VALUES (5, 'duck', 6, 2, 1.2, true);
COMMENT ON CONSTRAINT vehicles_name_check ON part.vehicles IS 'not inherited';

-- Typed table, zero-column table (with rows), table with only dropped columns
CREATE TYPE part.point2 AS (x integer, y integer);
CREATE TABLE part.points OF part.point2 (x WITH OPTIONS NOT NULL, PRIMARY KEY (x), y WITH OPTIONS DEFAULT 0);
INSERT INTO part.points VALUES (1, 2), (3, 4);
CREATE TABLE part.nothing ();
INSERT INTO part.nothing DEFAULT VALUES;
INSERT INTO part.nothing DEFAULT VALUES;
INSERT INTO part.nothing DEFAULT VALUES;
CREATE TABLE part.hollow (gone integer);
INSERT INTO part.hollow VALUES (1), (2);
ALTER TABLE part.hollow DROP COLUMN gone;
