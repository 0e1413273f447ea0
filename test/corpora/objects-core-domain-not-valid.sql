-- Part of corpus "objects-core", kept apart because pg_dump 15 cannot restore it into an empty
-- database (pg_dump.md §8.3): a NOT VALID domain CHECK is dumped separately and its drop,
-- `ALTER DOMAIN app.quantity DROP CONSTRAINT IF EXISTS ...`, fails when the domain does not exist.
SET client_min_messages = warning;
CREATE SCHEMA dom;
CREATE DOMAIN dom.quantity AS integer;
CREATE TABLE dom.stock (id integer PRIMARY KEY, qty dom.quantity);
INSERT INTO dom.stock VALUES (1, 5), (2, -1), (3, NULL);
ALTER DOMAIN dom.quantity ADD CONSTRAINT quantity_not_negative CHECK (VALUE >= 0) NOT VALID;
COMMENT ON CONSTRAINT quantity_not_negative ON DOMAIN dom.quantity IS 'not valid: row 2 is negative';
