-- Part of corpus "objects-code": an extension installed at an older version than the server's default
-- (seg 1.1 while 1.4 is the default, in 15 and 17). pg_dump writes `CREATE EXTENSION … ` without VERSION
-- on purpose (so dumps restore into newer servers), so the restored extension is at the default
-- version, with other member objects. Self-contained.
SET client_min_messages = warning;
CREATE SCHEMA old_ext;
CREATE EXTENSION seg WITH SCHEMA old_ext VERSION '1.1';
CREATE TABLE old_ext.ranges (id integer PRIMARY KEY, s old_ext.seg);
INSERT INTO old_ext.ranges VALUES (1, '1 .. 2'), (2, '0.5 .. 3.25');
