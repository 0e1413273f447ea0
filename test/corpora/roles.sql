-- Cluster-global roles used by the corpora (ownership, grants, policies, default privileges).
-- Roles are not part of a database dump: the round-trip harness runs this file once in every
-- cluster it uses (source and target databases share the cluster). Idempotent.
DO $roles$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY[
    'pgv_owner',          -- owns most objects
    'pgv_app',            -- application role: grants, policies
    'pgv_reader',         -- read-only grants
    'pgv_grantor',        -- grants on objects it does not own (grantor <> owner)
    'pgv_auditor',        -- restrictive policies, column grants
    'pgv Weird "Role"'    -- quoting of role names everywhere
  ] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
    END IF;
  END LOOP;
END
$roles$;
