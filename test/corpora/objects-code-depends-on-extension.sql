-- Part of corpus "objects-code", after objects-code-functions.sql: `ALTER FUNCTION … DEPENDS ON EXTENSION`
-- (pg_depend type 'x': the function is dropped with the extension). pg_dump writes the ALTER after the
-- function.
SET client_min_messages = warning;
ALTER FUNCTION "fn Schema".ext_bound("fn Schema".hstore) DEPENDS ON EXTENSION hstore;
