-- Part of corpus "objects-partitions", kept apart because pg_dump 15 does not preserve it: a
-- column added to an inheritance parent after the children exist comes *last* in each child, but
-- pg_dump recreates children with `CREATE TABLE child (local columns) INHERITS (parent)`, which puts
-- all inherited columns first. Data survives (COPY has column lists) but the children's column
-- order, hence `SELECT *` and row text, changes.
SET client_min_messages = warning;
ALTER TABLE part.vehicles ADD COLUMN added_later text DEFAULT 'later';
UPDATE part.cars SET added_later = 'car ' || id;
