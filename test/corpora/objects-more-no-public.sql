-- A database without the public schema (dropped by the corpus, as some hardened setups do). A dump
-- restored into a fresh database (which has public) must not leave public behind. pg_dump 15 never
-- drops or creates public, so the restored database keeps one. Self-contained.
SET client_min_messages = warning;
DROP SCHEMA public;
CREATE SCHEMA app_only;
CREATE TABLE app_only.t (id integer PRIMARY KEY);
INSERT INTO app_only.t VALUES (1), (2);
