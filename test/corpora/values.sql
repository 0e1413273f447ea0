-- Corpus "values": data that breaks naive dumpers — COPY escapes (tab, newline, CR, backslash,
-- a value that is exactly `\.`, `\N` as text vs NULL vs empty string), unicode (incl. 4-byte),
-- float/numeric specials (NaN, ±Infinity, -0, subnormals), 1000-digit numerics, bytea with every
-- byte value, ±infinity and BC timestamps, intervals, arrays with NULLs and quotes, json(b) with
-- unicode escapes, multi-megabyte values, XML fragments, reg* columns (search_path dependent).
-- money is left out on purpose: its text form depends on lc_monetary. PostgreSQL 13–18.
SET client_min_messages = warning;
-- Syntax older majors lack sits in `\if :pg14` / `\if :pg15` blocks (with an equivalent for 13/14 in `\else`).
SELECT current_setting('server_version_num')::int >= 140000 AS pg14, current_setting('server_version_num')::int >= 150000 AS pg15 \gset
SET standard_conforming_strings = on;
CREATE SCHEMA vals;
CREATE TYPE vals.mood AS ENUM ('ok', 'meh');
CREATE TYPE vals.pair AS (a text, b integer[]);

CREATE TABLE vals.texts (id integer PRIMARY KEY, label text NOT NULL, v text, vc varchar(20), ch char(5), c1 "char", nm name);
INSERT INTO vals.texts (id, label, v) VALUES
  (1, 'tab', E'a\tb'),
  (2, 'newline', E'line1\nline2'),
  (3, 'cr', E'cr\rlf\r\n'),
  (4, 'backslash', E'back\\slash'),
  (5, 'copy end marker', E'\\.'),
  (6, 'end marker on its own line', E'before\n\\.\nafter'),
  (7, 'backslash N text', E'\\N'),
  (8, 'NULL', NULL),
  (9, 'empty', ''),
  (10, 'space', ' '),
  (11, 'trailing backslash', E'trailing\\'),
  (12, 'unicode', 'héllo wörld 日本語 Ελληνικά עברית'),
  (13, 'emoji (4-byte)', '😀🎉 𝄞 🇺🇳 👩‍👩‍👧'),
  (14, 'control chars', E'\x01\x02\x07\x08\x0b\x0c\x1b\x1f\x7f'),
  (15, 'quotes', $$it's "quoted" `back`$$),
  (16, 'semicolon and comment', 'x; DROP TABLE vals.texts; -- oops'),
  (17, 'dollar quotes', '$$ $_$ $fn$'),
  (18, 'psql meta on its own line', E'first\n\\! echo injected\n\\q'),
  (19, 'only newline', E'\n'),
  (20, 'BOM and zero-width', E'\uFEFFa\u200Bb'),
  (21, 'tab at end', E'x\t'),
  (22, 'literal backslash-t', E'\\t'),
  (23, 'long line', repeat('abcdefghij', 100000));
UPDATE vals.texts SET vc = left(v, 20), ch = left(v, 5), c1 = left(coalesce(v, 'x'), 1)::"char", nm = left(label, 60)::name;
-- Before PostgreSQL 15 a "char" holding a byte >= 0x80 is output as that raw byte (not `\ooo`): in a UTF8
-- database no text dump (pg_dump's included) can load it back, so older majors keep "char" values ASCII.
\if :pg15
\else
UPDATE vals.texts SET c1 = '?' WHERE ascii(left(coalesce(v, 'x'), 1)) >= 128;
\endif

CREATE TABLE vals.numbers (id integer PRIMARY KEY, f4 real, f8 double precision, n numeric, i2 smallint, i8 bigint, nn numeric(7, 3));
INSERT INTO vals.numbers VALUES
  (1, 'NaN', 'NaN', 'NaN', 0, 0, 0),
  (2, 'Infinity', 'Infinity', NULL, 32767, 9223372036854775807, 9999.999),
  (3, '-Infinity', '-Infinity', NULL, -32768, -9223372036854775808, -9999.999),
  (4, '-0', '-0', '-0', 0, 0, -0.000),
  (5, 1.4e-45, 4.9e-324, 0.0000000000000000000000000000000000000001, 1, 1, 0.001),
  (6, 3.4028235e38, 1.7976931348623157e308, 1e300, -1, -1, 1.5),
  (7, 0.1, 0.1, 0.1, 2, 2, 0.1),
  (8, 1.0000001, 0.30000000000000004, 123456789012345678901234567890.123456789, 3, 3, 2.718),
  (9, 1.17549435e-38, 2.2250738585072014e-308, -0.5, 4, 4, NULL),
  (10, NULL, NULL, NULL, NULL, NULL, NULL);
-- numeric ±Infinity exists from PostgreSQL 14 on (NULL on 13).
\if :pg14
UPDATE vals.numbers SET n = 'Infinity' WHERE id = 2;
UPDATE vals.numbers SET n = '-Infinity' WHERE id = 3;
\endif
INSERT INTO vals.numbers (id, n) VALUES
  (11, (repeat('9', 1000))::numeric),
  (12, ('-' || repeat('1234567890', 100) || '.' || repeat('0987654321', 50))::numeric),
  (13, ('0.' || repeat('0', 999) || '1')::numeric),
  (14, ('1e-16383')::numeric);

CREATE TABLE vals.bytes (id integer PRIMARY KEY, b bytea);
INSERT INTO vals.bytes VALUES
  (1, (SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, 255) AS i)),
  (2, (SELECT decode(string_agg(lpad(to_hex(255 - i), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, 255) AS i)),
  (3, ''),
  (4, NULL),
  (5, '\x5c2e0a'),   -- backslash, dot, newline
  (6, (SELECT decode(string_agg(md5(i::text), ''), 'hex') FROM generate_series(1, 65536) AS i));  -- 1 MiB, incompressible

CREATE TABLE vals.times (id integer PRIMARY KEY, ts timestamp, tstz timestamptz, d date, t time, ttz timetz, iv interval);
INSERT INTO vals.times VALUES
  (1, 'infinity', 'infinity', 'infinity', '24:00:00', '24:00:00+00', '178000000 years'),
  (2, '-infinity', '-infinity', '-infinity', '00:00:00', '00:00:00-15:59', '-178000000 years'),
  (3, '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '4713-01-01 BC', '12:34:56.789012', '12:34:56.789012+05:45', '1 year 2 mons -3 days 04:05:06.789'),
  (4, '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', '5874897-12-31', '23:59:59.999999', '23:59:59.999999+15:59', '-1 days +02:03:04'),
  (5, '0001-01-01 00:00:00 BC', '0001-01-01 00:00:00+00 BC', '0001-12-31 BC', '00:00:00.000001', '00:00:00+14', '-00:00:00.000001'),
  (6, '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56.789012+05:45', '2024-02-29', '01:02:03', '01:02:03-03:30', '1 mon -1 days'),
  (7, '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '1970-01-01', '00:00', '00:00+00', '0'),
  (8, '2000-03-04 05:06:07', '1901-12-13 20:45:52+00', '2000-03-04', NULL, NULL, '-1 years -2 mons +3 days -04:05:06'),
  (9, NULL, '1883-11-18 12:00:00+00', NULL, NULL, NULL, '2147483647 days 2147483647 hours'),
  (10, '2038-01-19 03:14:08', '2038-01-19 03:14:08+00', '2038-01-19', NULL, NULL, '-2147483648 days');

CREATE TABLE vals.arrays (id integer PRIMARY KEY, ta text[], ia integer[], ja jsonb[], m vals.mood[], p vals.pair, pa vals.pair[]);
INSERT INTO vals.arrays VALUES
  (1, ARRAY[NULL, 'NULL', 'a"b', 'c,d', '', ' spaced ', E'back\\slash', E'new\nline', '{braces}'], ARRAY[1, NULL, 3], ARRAY['{"a":1}'::jsonb, NULL], ARRAY['ok', 'meh']::vals.mood[],
     ROW('x, "y"', ARRAY[1, 2]), ARRAY[ROW('a', ARRAY[NULL]::integer[])::vals.pair, NULL]),
  (2, '{}', '[0:2]={10,20,30}', '{}', '{}', ROW(NULL, NULL), '{}'),
  (3, NULL, '{{1,2},{3,4}}', NULL, NULL, NULL, NULL),
  (4, ARRAY[repeat('z', 10000)], '[-5:-4]={1,2}', ARRAY['[]'::jsonb], ARRAY[NULL]::vals.mood[], ROW('', '{}'), ARRAY[ROW(E'\t', '{}')::vals.pair]);

CREATE TABLE vals.docs (id integer PRIMARY KEY, jb jsonb, j json, x xml);
INSERT INTO vals.docs VALUES
  (1, '{"u":"\u00e9\u263a", "emoji":"\ud83d\ude00", "esc":"tab\tnl\n\"q\" \\", "n":1e400, "neg0":-0, "big":123456789012345678901234567890}',
      '{"dup":1, "dup":2, "nul":"\u0000", "ws" :  [ 1 , 2 ] }', 'text fragment <b>bold</b> tail'),
  (2, '[]', 'null', '<?xml version="1.0" encoding="UTF-8"?><root a="1">x &amp; y</root>'),
  (3, 'null', '"just a string"', '<a/><b/>'),
  (4, NULL, NULL, NULL),
  (5, (SELECT jsonb_agg(jsonb_build_object('i', i, 's', repeat('ü', 50))) FROM generate_series(1, 20000) AS i), '{}', '');

-- a function only so that the regprocedure below resolves
\if :pg14
CREATE FUNCTION vals.f(integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN $1;
\else
CREATE FUNCTION vals.f(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT $1 $$;
\endif
-- multiranges exist from PostgreSQL 14 on (the same literal as text on 13).
\if :pg14
\set mrtype int4multirange
\else
\set mrtype text
\endif
CREATE TABLE vals.misc (
  id integer PRIMARY KEY, u uuid, ip inet, net cidr, mac macaddr, mac8 macaddr8, bits bit(10), vbits varbit,
  tsv tsvector, tsq tsquery, pt point, bx box, poly polygon, circ circle, ln line, lseg lseg, pth path,
  r int4range, dr daterange, tr tstzrange, mr :mrtype, b boolean, m vals.mood, o oid,
  rc regclass, rt regtype, rp regproc, rpd regprocedure, rn regnamespace, rr regrole, rcfg regconfig
);
INSERT INTO vals.misc VALUES
  (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2001:db8::1/64', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
   B'1010101010', B'', $$'a':1A 'b''c':2 'z\\':3$$, $$'a' & !('b' | 'c':*)$$,
   '(0.1,-0)', '((1e-300,2),(3,4))', '((0,0),(1,1),(1,0))', '<(0,0),1.5>', '{1,-1,0}', '[(0,0),(1,1)]', '[(0,0),(1,1),(2,0)]',
   '[1,10)', '[2024-01-01,infinity)', '[2024-01-01 00:00:00+00,)', '{[1,3), [5,7)}', true, 'meh', 4294967295,
   'vals.texts', 'vals.mood', 'pg_catalog.now', 'vals.f(integer)', 'vals', 'pgv_app', 'pg_catalog.english'),
  (2, NULL, '192.168.0.1', '::/0', NULL, NULL, B'0000000000', B'1', '', '', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   'empty', '(,)', NULL, '{}', false, NULL, 0,
   'pg_catalog.pg_class', 'integer[]', '-', NULL, 'pg_catalog', NULL, NULL);


-- Very long values: several MB in one row
CREATE TABLE vals.big (id integer PRIMARY KEY, t text, b bytea);
INSERT INTO vals.big VALUES
  (1, repeat(E'multi-megabyte text with a tab\tand newline\n', 150000), NULL),
  (2, NULL, (SELECT decode(string_agg(md5(i::text) || md5((i + 1)::text), ''), 'hex') FROM generate_series(1, 100000) AS i));
