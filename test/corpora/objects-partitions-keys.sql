-- Part of corpus "objects-partitions", kept apart because pg_dump 15 cannot restore it twice
-- (pg_dump.md §8.1): each partition's copy of a partitioned PRIMARY KEY / UNIQUE constraint is
-- dumped as its own constraint whose drop fails on the second --clean restore with
-- "cannot drop inherited constraint".
SET client_min_messages = warning;
ALTER TABLE part.events ADD CONSTRAINT events_pkey PRIMARY KEY (id, at);
ALTER TABLE part.sessions ADD CONSTRAINT sessions_id_key UNIQUE (id);
SELECT current_setting('server_version_num')::int >= 150000 AS pg15 \gset
\if :pg15
ALTER TABLE part.sales ADD CONSTRAINT sales_region_day_key UNIQUE NULLS NOT DISTINCT (region, sold_on, amount);
\else
ALTER TABLE part.sales ADD CONSTRAINT sales_region_day_key UNIQUE (region, sold_on, amount);
\endif
COMMENT ON CONSTRAINT events_pkey ON part.events IS 'partitioned primary key';
-- FK to a partitioned table, and a self-referencing partitioned table
CREATE TABLE part.event_notes (
  id integer PRIMARY KEY,
  event_id bigint NOT NULL,
  event_at timestamptz NOT NULL,
  note text,
  CONSTRAINT event_notes_event_fk FOREIGN KEY (event_id, event_at) REFERENCES part.events (id, at) ON DELETE CASCADE
);
INSERT INTO part.event_notes
SELECT i, e.id, e.at, 'note ' || i FROM part.events e JOIN generate_series(1, 30) AS i ON e.id = i * 40;
