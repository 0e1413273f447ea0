-- Corpus "pg18": catalog features new in PostgreSQL 18 (loaded on 18 and newer only; self-contained).
-- NOT NULL constraints as pg_constraint rows (named, default-named after a rename, NO INHERIT, NOT VALID over
-- NULL rows, commented, inherited by partitions and inheritance children under the parent's name, a child's own
-- NOT NULL on an inherited column), virtual generated columns, temporal keys (PRIMARY KEY / UNIQUE
-- WITHOUT OVERLAPS, FOREIGN KEY … PERIOD), NOT ENFORCED CHECK and FOREIGN KEY constraints, a publication that
-- publishes stored generated columns.
SET client_min_messages = warning;
CREATE SCHEMA v18 AUTHORIZATION pgv_owner;
CREATE EXTENSION btree_gist WITH SCHEMA v18;

-- NOT NULL constraints ------------------------------------------------------------------------------
CREATE TABLE v18.people (
  id integer CONSTRAINT people_id_required NOT NULL,
  email text NOT NULL,
  nick text CONSTRAINT nick_nn NOT NULL NO INHERIT,
  note text
);
INSERT INTO v18.people VALUES (1, 'a@example.org', 'a', NULL), (2, 'b@example.org', 'b', 'x');
-- NOT VALID over a NULL row (the row stays, the constraint is not validated)
ALTER TABLE v18.people ADD CONSTRAINT people_note_nn NOT NULL note NOT VALID;
COMMENT ON CONSTRAINT people_id_required ON v18.people IS 'named NOT NULL constraint';
-- A table renamed after creation keeps its NOT NULL constraints' old default names
CREATE TABLE v18.old_name (a integer NOT NULL, b text NOT NULL);
ALTER TABLE v18.old_name RENAME TO new_name;
INSERT INTO v18.new_name VALUES (1, 'one');

-- Inheritance: the child inherits the parent's named constraint; a child adds its own NOT NULL to an
-- inherited column; NO INHERIT is not inherited.
CREATE TABLE v18.base (id integer CONSTRAINT base_id_nn NOT NULL, label text, flag boolean CONSTRAINT base_flag_nn NOT NULL NO INHERIT);
CREATE TABLE v18.derived (extra text) INHERITS (v18.base);
ALTER TABLE ONLY v18.derived ALTER COLUMN label SET NOT NULL;
INSERT INTO v18.base VALUES (1, NULL, true);
INSERT INTO v18.derived VALUES (2, 'two', NULL, 'x');

-- Partitions take the parent's constraint names
CREATE TABLE v18.readings (sensor integer CONSTRAINT readings_sensor_required NOT NULL, taken date NOT NULL, value numeric)
  PARTITION BY RANGE (taken);
CREATE TABLE v18.readings_2025 PARTITION OF v18.readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE v18.readings_rest PARTITION OF v18.readings DEFAULT;
INSERT INTO v18.readings VALUES (1, '2025-03-01', 1.5), (2, '2020-01-01', 2.5);

-- Virtual generated columns ------------------------------------------------------------------------------
CREATE TABLE v18.items (
  id integer PRIMARY KEY,
  price numeric NOT NULL,
  qty integer NOT NULL,
  total numeric GENERATED ALWAYS AS (price * qty) VIRTUAL,
  total_stored numeric GENERATED ALWAYS AS (price * qty) STORED,
  label text GENERATED ALWAYS AS ('item ' || id) VIRTUAL
);
INSERT INTO v18.items (id, price, qty) VALUES (1, 2.5, 4), (2, 10, 1);
COMMENT ON COLUMN v18.items.total IS 'virtual';
CREATE PUBLICATION pgv_pub18 FOR TABLE v18.items (id, price, qty, total_stored) WITH (publish = 'insert', publish_generated_columns = stored);

-- Temporal keys ---------------------------------------------------------------------------------------
CREATE TABLE v18.rooms (
  id integer,
  valid_at daterange,
  name text,
  CONSTRAINT rooms_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS),
  CONSTRAINT rooms_name_uq UNIQUE (name, valid_at WITHOUT OVERLAPS)
);
INSERT INTO v18.rooms VALUES (1, '[2025-01-01,2026-01-01)', 'blue'), (1, '[2026-01-01,2027-01-01)', 'green'), (2, '[2025-01-01,)', 'red');
CREATE TABLE v18.bookings (
  id integer PRIMARY KEY,
  room_id integer,
  valid_at daterange,
  CONSTRAINT bookings_room_fk FOREIGN KEY (room_id, PERIOD valid_at) REFERENCES v18.rooms (id, PERIOD valid_at)
);
INSERT INTO v18.bookings VALUES (1, 1, '[2025-06-01,2025-06-05)'), (2, 2, '[2030-01-01,2030-01-02)');

-- NOT ENFORCED constraints ------------------------------------------------------------------------------
CREATE TABLE v18.targets (id integer PRIMARY KEY);
INSERT INTO v18.targets VALUES (1);
CREATE TABLE v18.loose (
  id integer PRIMARY KEY,
  room_id integer,
  qty integer,
  CONSTRAINT loose_qty_positive CHECK (qty > 0) NOT ENFORCED,
  CONSTRAINT loose_room_fk FOREIGN KEY (room_id) REFERENCES v18.targets (id) NOT ENFORCED
);
-- rows the constraints would refuse if they were enforced
INSERT INTO v18.loose VALUES (1, 1, 5), (2, 99, -1);
