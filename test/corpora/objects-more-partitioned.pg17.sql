-- PostgreSQL 17+ only, part of corpus "objects-more": partitioned-table features new in 17 — an EXCLUDE
-- constraint on a partitioned table (restoring it as "parent constraint ON ONLY + one constraint per
-- partition + ALTER INDEX … ATTACH PARTITION" fails on the 17.10 server: "The index definitions do not
-- match"), and an explicit table access method on a partitioned table (inherited by new partitions).
SET client_min_messages = warning;
CREATE SCHEMA v17x;
CREATE EXTENSION btree_gist SCHEMA v17x;
CREATE TABLE v17x.bookings (room integer NOT NULL, during tstzrange NOT NULL,
  CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)) PARTITION BY LIST (room);
CREATE TABLE v17x.bookings_1 PARTITION OF v17x.bookings FOR VALUES IN (1);
CREATE TABLE v17x.bookings_2 PARTITION OF v17x.bookings FOR VALUES IN (2);
INSERT INTO v17x.bookings VALUES (1, '[2024-01-01 10:00+00, 2024-01-01 11:00+00)'), (2, '[2024-01-01 10:00+00, 2024-01-01 12:00+00)');
CREATE TABLE v17x.am_parent (id integer) PARTITION BY RANGE (id);
ALTER TABLE v17x.am_parent SET ACCESS METHOD heap;
CREATE TABLE v17x.am_child PARTITION OF v17x.am_parent FOR VALUES FROM (0) TO (100);
