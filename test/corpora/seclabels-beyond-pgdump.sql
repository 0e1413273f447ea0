-- A security label pg_dump 15 leaves out and pgvault writes (test/dump/seclabel.test.ts; after seclabels.sql): on a
-- column of a composite type (SECURITY LABEL ON COLUMN accepts composite types; pg_dump skips them).
INSERT INTO pg_catalog.pg_seclabel (objoid, classoid, objsubid, provider, label) VALUES
  ('sl.comp'::regclass, 'pg_class'::regclass, 1, 'selinux', 'comp col');
