/**
 * The ticket's two databases with real owners and globals: roles `bus` and `paperclip` own their
 * database and everything in it, plus read-only and group roles, memberships with options, role and
 * role-in-database settings, database properties (connection limit, settings, ACL, comment) and
 * default privileges and a policy that name other roles.
 */
import type { PgCluster } from '../helpers/pg.js';

export const FIXTURE_ROLES = ['alice', 'app_readers', 'bus', 'bus_ro', 'paperclip', 'unrelated'];

export async function createGlobalsFixture(pg: PgCluster, scale = 1): Promise<void> {
  await pg.query('postgres', `
    CREATE ROLE bus LOGIN CONNECTION LIMIT 20 PASSWORD 'bus-secret' VALID UNTIL '2030-01-01 00:00:00+00';
    CREATE ROLE paperclip LOGIN CREATEDB;
    CREATE ROLE bus_ro NOLOGIN;
    CREATE ROLE app_readers NOLOGIN NOINHERIT;
    CREATE ROLE alice LOGIN BYPASSRLS;
    CREATE ROLE unrelated LOGIN;
    COMMENT ON ROLE bus IS 'the bus service';
    GRANT bus_ro TO alice WITH ADMIN OPTION;
    GRANT app_readers TO bus_ro;
    ALTER ROLE bus SET statement_timeout = '30s';
    ALTER ROLE alice SET search_path = public, "$user";`);
  await pg.query('postgres', 'CREATE DATABASE bus OWNER bus TEMPLATE template0 CONNECTION LIMIT 50');
  await pg.query('postgres', "CREATE DATABASE paperclip OWNER paperclip TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
  await pg.query('postgres', `
    ALTER DATABASE bus SET timezone = 'UTC';
    ALTER DATABASE paperclip SET work_mem = '8MB';
    ALTER ROLE paperclip IN DATABASE paperclip SET maintenance_work_mem = '64MB';
    COMMENT ON DATABASE bus IS 'events and sessions';
    REVOKE CONNECT, TEMPORARY ON DATABASE bus FROM PUBLIC;
    GRANT CONNECT ON DATABASE bus TO bus_ro;
    GRANT CONNECT ON DATABASE bus TO alice WITH GRANT OPTION;`);
  const as = (user: string, db: string, sql: string): Promise<unknown> => pg.query(db, `SET ROLE ${user}; ${sql}`);
  await as('bus', 'bus', `
    CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, payload jsonb NOT NULL);
    CREATE TABLE sessions (id uuid PRIMARY KEY, user_id int NOT NULL, started timestamptz NOT NULL, ip inet);
    CREATE TABLE tokens (id serial PRIMARY KEY, session_id uuid REFERENCES sessions, token text NOT NULL, expires timestamptz);
    INSERT INTO events SELECT g, timestamptz '2026-01-01' + g * interval '7 seconds', (ARRAY['login','logout','publish','ack'])[1 + g % 4],
      jsonb_build_object('seq', g, 'body', md5(g::text)) FROM generate_series(1, ${2000 * scale}) g;
    INSERT INTO sessions SELECT md5('s' || g)::uuid, g % 500, timestamptz '2026-01-01' + g * interval '1 minute', ('10.0.' || (g % 250) || '.1')::inet
      FROM generate_series(1, ${500 * scale}) g;
    INSERT INTO tokens (session_id, token, expires) SELECT md5('s' || g)::uuid, md5(g::text), timestamptz '2027-01-01' FROM generate_series(1, ${500 * scale}) g;
    CREATE INDEX events_at ON events (at);
    GRANT SELECT ON events, sessions TO bus_ro;
    ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bus_ro;
    ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
    CREATE POLICY readers ON sessions FOR SELECT TO app_readers USING (user_id > 0);`);
  await as('paperclip', 'paperclip', `
    CREATE TABLE agents (id serial PRIMARY KEY, name text UNIQUE NOT NULL, model text NOT NULL);
    CREATE TABLE issues (id serial PRIMARY KEY, title text NOT NULL, status text NOT NULL DEFAULT 'open', agent_id int REFERENCES agents);
    INSERT INTO agents (name, model) SELECT 'agent-' || g, 'small' FROM generate_series(1, 20) g;
    INSERT INTO issues (title, agent_id) SELECT 'Issue ' || g, 1 + g % 20 FROM generate_series(1, ${1000 * scale}) g;
    CREATE INDEX issues_status ON issues (status);
    GRANT SELECT, UPDATE (status) ON issues TO alice;`);
}
