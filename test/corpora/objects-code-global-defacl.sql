-- Part of corpus "objects-code", kept apart because pg_dump 15 cannot restore it twice
-- (pg_dump.md §8.4): a global ALTER DEFAULT PRIVILEGES for the role that runs the restore has no
-- drop statement, so on a second restore over the same database the re-created functions and
-- extension members get these defaults and their ACLs no longer match the source.
-- (Loaded last: it affects only objects created after it, and none is.)
ALTER DEFAULT PRIVILEGES FOR ROLE postgres REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres GRANT SELECT ON TABLES TO pgv_reader;
