/** Sample data shaped like the ticket's two databases: `bus` (events, sessions, tokens, OAuth) and `paperclip` (issues, agents, activity). */
import pg from 'pg';

async function exec(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

export async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return (await c.query<T>(sql)).rows; } finally { await c.end(); }
}

export async function createSampleDatabases(url: (db: string) => string, scale: number): Promise<void> {
  await exec(url('postgres'), 'CREATE DATABASE bus');
  await exec(url('postgres'), 'CREATE DATABASE paperclip');
  await exec(url('bus'), `
    CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, payload jsonb NOT NULL);
    CREATE TABLE sessions (id uuid PRIMARY KEY, user_id int NOT NULL, started timestamptz NOT NULL, ip inet);
    CREATE TABLE tokens (id serial PRIMARY KEY, session_id uuid REFERENCES sessions, token text NOT NULL, expires timestamptz);
    CREATE TABLE oauth_clients (id text PRIMARY KEY, name text NOT NULL, redirect_uris text[] NOT NULL);
    INSERT INTO events SELECT g, timestamptz '2026-01-01' + g * interval '7 seconds', (ARRAY['login','logout','publish','ack'])[1 + g % 4],
      jsonb_build_object('seq', g, 'topic', 'topic-' || (g % 97), 'body', md5(g::text) || md5((g * 7)::text))
      FROM generate_series(1, ${60_000 * scale}) g;
    INSERT INTO sessions SELECT md5('s' || g)::uuid, g % 500, timestamptz '2026-01-01' + g * interval '1 minute', ('10.0.' || (g % 250) || '.' || (g % 200))::inet
      FROM generate_series(1, ${5_000 * scale}) g;
    INSERT INTO tokens (session_id, token, expires) SELECT md5('s' || g)::uuid, encode(sha256(g::text::bytea), 'hex'), now() + interval '1 day'
      FROM generate_series(1, ${5_000 * scale}) g;
    INSERT INTO oauth_clients VALUES ('cli', 'Command line', '{http://127.0.0.1/cb}'), ('web', 'Web app', '{https://app.example/cb}');
    CREATE INDEX ON events (at);
    CREATE VIEW recent_events AS SELECT * FROM events WHERE at > now() - interval '1 day';
  `);
  await exec(url('paperclip'), `
    CREATE TABLE agents (id serial PRIMARY KEY, name text UNIQUE NOT NULL, model text NOT NULL);
    CREATE TABLE issues (id serial PRIMARY KEY, title text NOT NULL, body text, status text NOT NULL DEFAULT 'open', agent_id int REFERENCES agents);
    CREATE TABLE activity (id bigserial PRIMARY KEY, issue_id int REFERENCES issues, at timestamptz NOT NULL, note text);
    INSERT INTO agents (name, model) SELECT 'agent-' || g, (ARRAY['small','large'])[1 + g % 2] FROM generate_series(1, 20) g;
    INSERT INTO issues (title, body, agent_id) SELECT 'Issue ' || g, repeat('Steps to reproduce ' || g || '. ', 8), 1 + g % 20 FROM generate_series(1, ${4_000 * scale}) g;
    INSERT INTO activity (issue_id, at, note) SELECT 1 + g % ${4_000 * scale}, timestamptz '2026-02-01' + g * interval '30 seconds', 'comment ' || md5(g::text)
      FROM generate_series(1, ${40_000 * scale}) g;
  `);
}

/** What changes between two backups twice a day: new events, a few updates, some deletes. */
export async function changeSomething(url: (db: string) => string, scale: number, round = 1): Promise<string> {
  const n = 600 * scale;
  const first = 60_000 * scale + (round - 1) * n + 1;
  await exec(url('bus'), `
    INSERT INTO events SELECT g, now(), 'publish', jsonb_build_object('seq', g) FROM generate_series(${first}, ${first + n - 1}) g;
    DELETE FROM tokens WHERE id % 50 = ${round - 1};`);
  await exec(url('paperclip'), `
    UPDATE issues SET status = 'closed' WHERE id % 40 = ${round - 1};
    INSERT INTO activity (issue_id, at, note) SELECT 1 + g, now(), 'closed' FROM generate_series(1, 100) g;`);
  return `bus: +${n} events, ${Math.floor(5_000 * scale / 50)} tokens deleted; paperclip: ${Math.floor(4_000 * scale / 40)} issues closed, +100 activity rows`;
}
