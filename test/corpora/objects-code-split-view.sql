-- Part of corpus "objects-code", kept apart because pg_dump 15 cannot restore it into an empty
-- database (pg_dump.md §8.5a): the view depends on users' primary key (GROUP BY users.id with
-- other users columns), so pg_dump splits it into a dummy view + CREATE OR REPLACE; the dummy's
-- pseudo-drop `CREATE OR REPLACE VIEW code.user_order_counts AS SELECT NULL::code.user_role ...`
-- is the first statement of the clean pass and fails when schema/type do not exist yet.
SET client_min_messages = warning;
CREATE VIEW code.user_order_counts AS
  SELECT u.id, u.email, u.role, count(o.id) AS order_count
  FROM code.users u LEFT JOIN code.orders o ON o.user_id = u.id
  GROUP BY u.id;
ALTER VIEW code.user_order_counts OWNER TO pgv_owner;
COMMENT ON VIEW code.user_order_counts IS 'split view case';
GRANT SELECT ON code.user_order_counts TO pgv_reader;
