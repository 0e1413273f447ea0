-- PostgreSQL 17+ only additions to corpus "objects-more": builtin collation provider (17), ICU
-- tailoring rules (16), JSON_TABLE / IS JSON in a view and a CHECK
-- (16/17), SET STATISTICS DEFAULT (17), MAINTAIN (17). Partitioned-table features of 17 are in
-- objects-more-partitioned.pg17.sql. Domain NOT NULL constraint names (17).
SET client_min_messages = warning;
CREATE SCHEMA v17;
CREATE COLLATION v17.builtin_c (provider = builtin, locale = 'C.UTF-8');
CREATE COLLATION v17.icu_rules (provider = icu, locale = 'und', rules = '&a < b < c');
CREATE TABLE v17.words (id integer PRIMARY KEY, w text COLLATE v17.builtin_c, r text COLLATE v17.icu_rules,
  doc jsonb CONSTRAINT doc_is_object CHECK (doc IS JSON OBJECT));
INSERT INTO v17.words VALUES (1, 'b', 'c', '{"items":[{"k":"x","v":1},{"k":"y","v":2}]}'), (2, 'a', 'b', '{"items":[]}');
CREATE VIEW v17.items AS
  SELECT w.id, jt.k, jt.v
  FROM v17.words w, JSON_TABLE(w.doc, '$.items[*]' COLUMNS (k text PATH '$.k', v integer PATH '$.v')) AS jt;
ALTER TABLE v17.words ALTER COLUMN w SET STATISTICS 200;
ALTER TABLE v17.words ALTER COLUMN w SET STATISTICS DEFAULT;
GRANT MAINTAIN ON v17.words TO pgv_auditor;
-- Domain NOT NULL constraints are pg_constraint rows with names from 17 on: one named, one default-named.
CREATE DOMAIN v17.positive AS integer CONSTRAINT positive_required NOT NULL CONSTRAINT positive_gt0 CHECK (VALUE > 0);
CREATE DOMAIN v17.plain_nn AS text NOT NULL;
CREATE TABLE v17.domained (a v17.positive, b v17.plain_nn);
INSERT INTO v17.domained VALUES (1, 'x');
