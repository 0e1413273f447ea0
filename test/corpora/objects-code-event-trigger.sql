-- Part of corpus "objects-code", kept apart because pg_dump 15 does not round-trip it: an event
-- trigger that logs DDL into a table. pg_dump creates event triggers in its last pass, but before
-- the `REFRESH MATERIALIZED VIEW` statements of the same pass, and REFRESH fires ddl_command_end:
-- the restored log table gets one extra row per populated matview (and its sequence moves on).
-- A restore must not fire the database's own event triggers.
SET client_min_messages = warning;
CREATE TABLE code.ddl_log (id bigserial PRIMARY KEY, tag text NOT NULL, object text);
CREATE FUNCTION code.log_ddl() RETURNS event_trigger
  LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    INSERT INTO code.ddl_log (tag, object) VALUES (r.command_tag, r.object_identity);
  END LOOP;
END
$$;
CREATE EVENT TRIGGER pgv_log_ddl ON ddl_command_end EXECUTE FUNCTION code.log_ddl();
CREATE EVENT TRIGGER pgv_log_create ON ddl_command_end WHEN TAG IN ('CREATE TABLE', 'CREATE INDEX')
  EXECUTE FUNCTION code.log_ddl();
ALTER EVENT TRIGGER pgv_log_create DISABLE;
COMMENT ON EVENT TRIGGER pgv_log_ddl IS 'logs DDL';
CREATE TABLE code.after_event_trigger (id integer);
-- An event trigger that forbids DROP TABLE (a common "protect production" guard): a clean restore over
-- an existing copy must get rid of it before its DROP pass.
CREATE FUNCTION code.forbid_drop_table() RETURNS event_trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'DROP TABLE is forbidden in this database (%)', tg_tag;
END
$$;
CREATE EVENT TRIGGER pgv_no_drop_table ON ddl_command_start WHEN TAG IN ('DROP TABLE')
  EXECUTE FUNCTION code.forbid_drop_table();

