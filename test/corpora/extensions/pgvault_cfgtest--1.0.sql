-- Configuration tables and sequences registered with pg_extension_config_dump(): their user rows (those the filter
-- selects) and values belong to the database and must be dumped; the rest is recreated by CREATE EXTENSION.
CREATE TABLE cfg_settings (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    "Value" text,
    shipped boolean NOT NULL DEFAULT false,
    name_length integer GENERATED ALWAYS AS (length(name)) STORED
);
INSERT INTO cfg_settings (name, "Value", shipped) VALUES ('alpha', '1', true), ('beta', '2', true);
SELECT pg_catalog.pg_extension_config_dump('cfg_settings', 'WHERE NOT shipped');
SELECT pg_catalog.pg_extension_config_dump('cfg_settings_id_seq', '');
-- No filter: every row is the user's. References cfg_settings, so its data must be loaded after cfg_settings'.
CREATE TABLE cfg_rules (rule text PRIMARY KEY, setting_id integer REFERENCES cfg_settings (id));
SELECT pg_catalog.pg_extension_config_dump('cfg_rules', '');
CREATE SEQUENCE cfg_counter;
SELECT pg_catalog.pg_extension_config_dump('cfg_counter', '');
-- A member that is not a configuration table: never dumped.
CREATE TABLE cfg_internal (x integer);
INSERT INTO cfg_internal VALUES (1);
