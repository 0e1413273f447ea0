import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, parseLocation, type OpenStoreOptions } from '../../src/store/open.js';
import { FsStore } from '../../src/store/fs.js';
import { S3Store } from '../../src/store/s3.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { startVersionedS3Server, type VersionedS3Server } from '../helpers/versioned-s3.js';
import { seededBytes } from './conformance.js';

const noEnv: OpenStoreOptions = { env: {}, cwd: '/work/here' };

describe('parseLocation: local directories', () => {
  it('accepts absolute, ./relative, ../relative and file: forms', () => {
    assert.deepEqual(parseLocation('/var/backups/pg', noEnv), { type: 'fs', path: '/var/backups/pg' });
    assert.deepEqual(parseLocation('/var//backups/./pg/', noEnv), { type: 'fs', path: '/var/backups/pg/' });
    assert.deepEqual(parseLocation('./repo', noEnv), { type: 'fs', path: '/work/here/repo' });
    assert.deepEqual(parseLocation('../repo', noEnv), { type: 'fs', path: '/work/repo' });
    assert.deepEqual(parseLocation('.', noEnv), { type: 'fs', path: '/work/here' });
    assert.deepEqual(parseLocation('file:/srv/repo', noEnv), { type: 'fs', path: '/srv/repo' });
    assert.deepEqual(parseLocation('file:///srv/repo', noEnv), { type: 'fs', path: '/srv/repo' });
    assert.deepEqual(parseLocation('file:///srv/my%20repo', noEnv), { type: 'fs', path: '/srv/my repo' });
    assert.deepEqual(parseLocation('  /trimmed  ', noEnv), { type: 'fs', path: '/trimmed' });
  });

  it('rejects bare, host-qualified and relative file: paths with a hint', () => {
    assert.throws(() => parseLocation('repo', noEnv), (e: unknown) => e instanceof UsageError && /must be absolute or start with \.\//.test(e.message));
    assert.throws(() => parseLocation('~/repo', noEnv), /does not expand ~/);
    assert.throws(() => parseLocation('file:relative/x', noEnv), /needs an absolute path/);
    assert.throws(() => parseLocation('file://otherhost/x', noEnv), UsageError);
    assert.throws(() => parseLocation('', noEnv), /no repository location given/);
    assert.throws(() => parseLocation('   ', noEnv), /no repository location given/);
  });
});

describe('parseLocation: s3:', () => {
  it('splits endpoint, bucket and prefix (path-style), and infers the region from a B2 host', () => {
    assert.deepEqual(parseLocation('s3:https://s3.us-west-004.backblazeb2.com/my-bucket/pg/prod', noEnv), {
      type: 's3', endpoint: 'https://s3.us-west-004.backblazeb2.com', bucket: 'my-bucket', prefix: 'pg/prod', region: 'us-west-004', forcePathStyle: true,
    });
    assert.deepEqual(parseLocation('s3:https://s3.eu-central-003.backblazeb2.com/bkt', noEnv), {
      type: 's3', endpoint: 'https://s3.eu-central-003.backblazeb2.com', bucket: 'bkt', prefix: '', region: 'eu-central-003', forcePathStyle: true,
    });
    assert.equal((parseLocation('s3:https://s3.eu-central-003.backblazeb2.com/bkt/', noEnv) as { prefix: string }).prefix, '');
    assert.equal((parseLocation('s3:https://s3.eu-central-003.backblazeb2.com/bkt/a/b/', noEnv) as { prefix: string }).prefix, 'a/b');
  });

  it('takes http(s) endpoints with ports, and assumes https without a scheme (restic spelling)', () => {
    assert.deepEqual(parseLocation('s3:http://127.0.0.1:9000/test-bucket/repo', noEnv), {
      type: 's3', endpoint: 'http://127.0.0.1:9000', bucket: 'test-bucket', prefix: 'repo', region: 'us-east-1', forcePathStyle: true,
    });
    assert.deepEqual(parseLocation('s3:minio.lan:9000/bkt/x', noEnv), {
      type: 's3', endpoint: 'https://minio.lan:9000', bucket: 'bkt', prefix: 'x', region: 'us-east-1', forcePathStyle: true,
    });
    assert.equal((parseLocation('s3:s3.eu-west-1.amazonaws.com/bkt', noEnv) as { region: string }).region, 'eu-west-1');
    assert.equal((parseLocation('S3:HTTPS://S3.US-WEST-004.BACKBLAZEB2.COM/bkt', noEnv) as { region: string }).region, 'us-west-004');
  });

  it('region: option, then AWS_REGION / AWS_DEFAULT_REGION, then us-east-1; a B2 host must agree with the option', () => {
    const loc = 's3:https://objects.example.com/bkt/p';
    assert.equal((parseLocation(loc, { env: {}, s3: { region: 'fr-par' } }) as { region: string }).region, 'fr-par');
    assert.equal((parseLocation(loc, { env: { AWS_REGION: 'eu-1', AWS_DEFAULT_REGION: 'eu-2' } }) as { region: string }).region, 'eu-1');
    assert.equal((parseLocation(loc, { env: { AWS_DEFAULT_REGION: 'eu-2' } }) as { region: string }).region, 'eu-2');
    assert.equal((parseLocation(loc, noEnv) as { region: string }).region, 'us-east-1');
    assert.equal((parseLocation('s3:https://s3.us-west-004.backblazeb2.com/b0b', { env: { AWS_REGION: 'xx' } }) as { region: string }).region, 'us-west-004');
    assert.throws(() => parseLocation('s3:https://s3.us-west-004.backblazeb2.com/bkt', { env: {}, s3: { region: 'eu-central-003' } }),
      /region "eu-central-003" does not match the B2 endpoint's region "us-west-004"/);
  });

  it('rejects malformed s3 locations with a reason', () => {
    const cases: [string, RegExp][] = [
      ['s3:', /expected s3:https:\/\/endpoint\/bucket\/prefix/],
      ['s3:https://host.example', /no bucket/],
      ['s3:https://host.example/', /no bucket/],
      ['s3:https://host.example//prefix', /no bucket/],
      ['s3:https://host.example/ab', /"ab" is not a valid bucket name/],
      ['s3:https://host.example/bad_bucket', /not a valid bucket name/],
      ['s3:https://host.example/-bucket', /not a valid bucket name/],
      ['s3:https://host.example/bkt/a//b', /empty path segment/],
      ['s3:https://host.example/bkt/a/../b', /not allowed|empty path segment|not a valid/],
      ['s3:https://host.example/bkt/a%20b', /may contain only/],
      ['s3:https://host.example/bkt/p?versionId=1', /no query string/],
      ['s3:https://host.example/bkt/p#frag', /no query string/],
      ['s3:ftp://host.example/bkt', /must be https:\/\//],
      ['s3:http://s3.us-west-004.backblazeb2.com/bkt', /B2 accepts only https/],
      ['s3:https://[::1/bkt', /not a valid URL/],
    ];
    for (const [loc, re] of cases) {
      assert.throws(() => parseLocation(loc, noEnv), (e: unknown) => {
        assert.ok(e instanceof UsageError, `${loc}: ${String(e)}`);
        assert.equal(e.exitCode, 2);
        assert.match(e.message, re, loc);
        return true;
      });
    }
  });

  it('refuses credentials in the location and does not echo them', () => {
    assert.throws(() => parseLocation('s3:https://KEYID:SuperSecret@host.example/bkt', noEnv), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /credentials do not belong in the location/);
      assert.ok(!e.message.includes('SuperSecret') && !e.message.includes('KEYID'));
      return true;
    });
  });

  it('rejects unknown schemes, naming the supported forms', () => {
    for (const loc of ['sftp:host:/x', 'rest:http://h/', 'gs:bucket/x', 'azure:c:/p']) {
      assert.throws(() => parseLocation(loc, noEnv), (e: unknown) =>
        e instanceof UsageError && /unsupported scheme/.test(e.message) && /s3:https:\/\/endpoint\/bucket\/prefix/.test(e.message));
    }
  });
});

describe('parseLocation: b2:', () => {
  it('uses the endpoint from the option, B2_S3_ENDPOINT or PGVAULT_S3_ENDPOINT, in that order', () => {
    const expected = { type: 's3', endpoint: 'https://s3.us-east-005.backblazeb2.com', bucket: 'my-bucket', prefix: 'pg/prod', region: 'us-east-005', forcePathStyle: true };
    assert.deepEqual(parseLocation('b2:my-bucket/pg/prod', { env: { B2_S3_ENDPOINT: 'https://s3.us-east-005.backblazeb2.com' } }), expected);
    assert.deepEqual(parseLocation('b2:my-bucket/pg/prod', { env: { PGVAULT_S3_ENDPOINT: 's3.us-east-005.backblazeb2.com' } }), expected);
    assert.deepEqual(parseLocation('b2:my-bucket/pg/prod', {
      env: { B2_S3_ENDPOINT: 'https://s3.eu-central-003.backblazeb2.com' }, s3: { endpoint: 'https://s3.us-east-005.backblazeb2.com' },
    }), expected);
    assert.deepEqual(parseLocation('b2:my-bucket:pg/prod', { env: { B2_S3_ENDPOINT: 'https://s3.us-east-005.backblazeb2.com' } }), expected, 'restic spelling');
    assert.equal((parseLocation('b2:my-bucket', { env: { B2_S3_ENDPOINT: 'https://s3.us-east-005.backblazeb2.com' } }) as { prefix: string }).prefix, '');
  });

  it('explains what to set when the endpoint is missing', () => {
    assert.throws(() => parseLocation('b2:my-bucket/pg', noEnv), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, /needs the bucket's S3 endpoint: set B2_S3_ENDPOINT/);
      assert.match(e.message, /s3:https:\/\/s3\.<region>\.backblazeb2\.com\/my-bucket\/pg/);
      return true;
    });
  });

  it('rejects a bad endpoint and an empty bucket', () => {
    assert.throws(() => parseLocation('b2:bkt/x', { env: { B2_S3_ENDPOINT: 'https://s3.us-east-005.backblazeb2.com/bkt' } }), /must be just scheme and host/);
    assert.throws(() => parseLocation('b2:bkt/x', { env: { B2_S3_ENDPOINT: 'https://[bad' } }), /not a valid URL/);
    assert.throws(() => parseLocation('b2:', { env: { B2_S3_ENDPOINT: 'https://s3.us-east-005.backblazeb2.com' } }), /expected b2:bucket\/prefix/);
    assert.throws(() => parseLocation('b2:/x', { env: { B2_S3_ENDPOINT: 'https://s3.us-east-005.backblazeb2.com' } }), /expected b2:bucket\/prefix/);
  });
});

describe('openStore', () => {
  let dir = '';
  let srv: VersionedS3Server;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgvault-open-'));
    srv = await startVersionedS3Server();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await srv.stop();
  });

  it('opens an FsStore for a path and an S3Store for s3: that really talk to their backends', async () => {
    const fs = await openStore(join(dir, 'repo'), { env: {} });
    assert.ok(fs instanceof FsStore);
    assert.equal(fs.location, join(dir, 'repo'));
    await fs.put('config', 'config', seededBytes(1, 5));
    assert.equal((await fs.get('config', 'config')).length, 5);
    await fs.close();

    const s3 = await openStore(srv.location('team/db1'), {
      env: { AWS_ACCESS_KEY_ID: srv.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: srv.credentials.secretAccessKey },
      s3: { retry: { maxAttempts: 2, baseDelayMs: 1 } },
    });
    try {
      assert.ok(s3 instanceof S3Store);
      assert.equal(s3.location, srv.location('team/db1'));
      await s3.put('config', 'config', seededBytes(2, 7));
      assert.deepEqual(srv.keysWithVersions(), ['team/db1/config']);
    } finally {
      await s3.close();
    }
  });

  it('b2: with B2_ACCOUNT_ID / B2_ACCOUNT_KEY and B2_S3_ENDPOINT', async () => {
    const s3 = await openStore(`b2:${srv.bucket}/viab2`, {
      env: { B2_S3_ENDPOINT: srv.endpoint, B2_ACCOUNT_ID: srv.credentials.accessKeyId, B2_ACCOUNT_KEY: srv.credentials.secretAccessKey },
    });
    try {
      await s3.put('keys', 'k1', seededBytes(3, 9));
      assert.ok(srv.keysWithVersions().includes('viab2/keys/k1'));
    } finally {
      await s3.close();
    }
  });

  it('an s3: location without credentials is a ConfigError saying which variables to set', async () => {
    await assert.rejects(openStore(srv.location('x'), { env: {} }), (e: unknown) =>
      e instanceof ConfigError && /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/.test(e.message));
  });
});
