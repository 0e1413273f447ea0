/**
 * restic 0.18 as an oracle for the retention engine. A throwaway restic repository gets one real
 * `restic backup` (for a real tree and a snapshot template); further snapshots are written the way
 * restic writes them (JSON, AES-256-CTR + Poly1305-AES under the repository's master key, named by the
 * SHA-256 of the stored bytes) so that hundreds of timestamps cost milliseconds instead of a `restic
 * backup` each. `restic forget --dry-run --json` then decides, and its answer is compared with ours.
 * `backup()` also runs real `restic backup --time` under a TZ, to prove how restic records offsets.
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes, scryptSync, createDecipheriv } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sodium } from '../../src/crypto/sodium.js';

export const RESTIC = resolve(dirname(fileURLToPath(import.meta.url)), '../../.cache/restic/restic');
const PASSWORD = 'oracle';

/** Fails (never skips) when the oracle is missing: CI fetches it first. */
export function requireRestic(): string {
  if (!existsSync(RESTIC)) {
    throw new Error(`restic 0.18 (the retention oracle) is missing at ${RESTIC}: run "bash scripts/fetch-restic.sh" first (CI runs it before the tests)`);
  }
  return RESTIC;
}

export interface RunResult { code: number; stdout: string; stderr: string }

export function run(args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((res, rej) => {
    const p = spawn(requireRestic(), args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    p.on('error', rej);
    p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
  });
}

interface MasterKey { enc: Buffer; macK: Buffer; macR: Buffer }

function poly1305Aes(msg: Buffer, nonce: Buffer, k: Buffer, r: Buffer): Buffer {
  const aes = createCipheriv('aes-128-ecb', k, null).setAutoPadding(false);
  const s = Buffer.concat([aes.update(nonce), aes.final()]);
  return Buffer.from(sodium.crypto_onetimeauth(msg, Buffer.concat([r, s])));
}

function openRestic(blob: Buffer, key: MasterKey): Buffer {
  const iv = blob.subarray(0, 16);
  const ct = blob.subarray(16, blob.length - 16);
  const mac = blob.subarray(blob.length - 16);
  if (!poly1305Aes(ct, iv, key.macK, key.macR).equals(mac)) throw new Error('restic key file: MAC mismatch (wrong password?)');
  const d = createDecipheriv('aes-256-ctr', key.enc, iv);
  return Buffer.concat([d.update(ct), d.final()]);
}

function sealRestic(plain: Buffer, key: MasterKey): Buffer {
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-ctr', key.enc, iv);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, ct, poly1305Aes(ct, iv, key.macK, key.macR)]);
}

/** Copy the files under `from` (skipping empty directories such as restic's 256 empty data/xx): a fork costs a few ms. */
function copyFiles(from: string, to: string): void {
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) copyFiles(join(from, e.name), join(to, e.name));
    else { mkdirSync(to, { recursive: true }); cpSync(join(from, e.name), join(to, e.name)); }
  }
}

export interface ResticSnapshotSpec {
  /** RFC 3339 with offset, exactly as restic would store it. */
  time: string;
  host: string;
  /** Stands for pgvault's database: stored as restic path `/db/<database>`. */
  database: string;
  tags: string[];
}

export interface ResticForgetGroup {
  host: string;
  paths: string[] | null;
  tags: string[] | null;
  keep: { id: string }[] | null;
  remove: { id: string }[] | null;
  reasons: { snapshot: { id: string }; matches: string[] }[] | null;
}

export class ResticRepo {
  readonly dir: string;
  private key!: MasterKey;
  private template!: Record<string, unknown>;
  readonly env: Record<string, string>;

  private constructor(dir: string) {
    this.dir = dir;
    // TZ=UTC: see docs/retention.md (restic's keep-within arithmetic follows the machine's zone when it matches a snapshot's offset).
    this.env = { RESTIC_REPOSITORY: join(dir, 'repo'), RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: join(dir, 'cache'), TZ: 'UTC', HOME: dir };
  }

  static async create(): Promise<ResticRepo> {
    requireRestic();
    const r = new ResticRepo(mkdtempSync(join(tmpdir(), 'pgvault-restic-oracle-')));
    await r.must(['init', '--quiet']);
    mkdirSync(join(r.dir, 'data'));
    writeFileSync(join(r.dir, 'data', 'f'), 'tiny\n');
    const first = await r.backup('2000-01-01 00:00:00', 'UTC', 'template', []);
    r.loadMasterKey();
    r.template = JSON.parse(await r.must(['cat', 'snapshot', '--no-lock', first])) as Record<string, unknown>;
    rmSync(join(r.dir, 'repo', 'snapshots', first));
    r.useCheapKey();
    return r;
  }

  /**
   * Replace the repository's key file by one for the same master key with scrypt N=1024: restic then
   * opens the repository in milliseconds instead of ~0.3 s (the KDF cost is irrelevant to forget).
   */
  private useCheapKey(): void {
    const keysDir = join(this.dir, 'repo', 'keys');
    const old = readdirSync(keysDir);
    const salt = randomBytes(64);
    const user = scryptSync(PASSWORD, salt, 64, { N: 1024, r: 8, p: 1 });
    const userKey: MasterKey = { enc: user.subarray(0, 32), macK: user.subarray(32, 48), macR: user.subarray(48, 64) };
    const master = { mac: { k: this.key.macK.toString('base64'), r: this.key.macR.toString('base64') }, encrypt: this.key.enc.toString('base64') };
    const data = sealRestic(Buffer.from(JSON.stringify(master)), userKey);
    const file = Buffer.from(JSON.stringify({ created: new Date().toISOString(), username: 'oracle', hostname: 'oracle', kdf: 'scrypt', N: 1024, r: 8, p: 1,
      salt: salt.toString('base64'), data: data.toString('base64') }));
    writeFileSync(join(keysDir, createHash('sha256').update(file).digest('hex')), file);
    for (const f of old) rmSync(join(keysDir, f));
  }

  /** A copy of this repository (same master key, no snapshots of the copies' own): one per case. */
  fork(): ResticRepo {
    const r = new ResticRepo(mkdtempSync(join(tmpdir(), 'pgvault-restic-oracle-')));
    copyFiles(join(this.dir, 'repo'), join(r.dir, 'repo'));
    copyFiles(join(this.dir, 'data'), join(r.dir, 'data'));
    mkdirSync(join(r.dir, 'repo', 'snapshots'), { recursive: true });
    mkdirSync(join(r.dir, 'repo', 'locks'), { recursive: true });
    r.key = this.key;
    r.template = this.template;
    return r;
  }

  private loadMasterKey(): void {
    const keysDir = join(this.dir, 'repo', 'keys');
    const kf = JSON.parse(readFileSync(join(keysDir, readdirSync(keysDir)[0]!), 'utf8')) as { N: number; r: number; p: number; salt: string; data: string };
    const user = scryptSync(PASSWORD, Buffer.from(kf.salt, 'base64'), 64, { N: kf.N, r: kf.r, p: kf.p, maxmem: 256 * kf.N * kf.r * kf.p + 64 * 1024 * 1024 });
    const userKey: MasterKey = { enc: user.subarray(0, 32), macK: user.subarray(32, 48), macR: user.subarray(48, 64) };
    const master = JSON.parse(openRestic(Buffer.from(kf.data, 'base64'), userKey).toString('utf8')) as { mac: { k: string; r: string }; encrypt: string };
    this.key = { enc: Buffer.from(master.encrypt, 'base64'), macK: Buffer.from(master.mac.k, 'base64'), macR: Buffer.from(master.mac.r, 'base64') };
  }

  private async must(args: string[], env: Record<string, string> = {}): Promise<string> {
    const r = await run(args, { ...this.env, ...env });
    if (r.code !== 0) throw new Error(`restic ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  /** A real `restic backup --time "<wall>"` under TZ=`tz`; returns the snapshot id. */
  async backup(wall: string, tz: string, host: string, tags: string[]): Promise<string> {
    const out = await this.must(['backup', '--json', '--quiet', '--no-scan', '--time', wall, '--host', host,
      ...tags.flatMap((t) => ['--tag', t]), join(this.dir, 'data', 'f')], { TZ: tz });
    const summary = out.trim().split('\n').map((l) => JSON.parse(l) as { message_type: string; snapshot_id?: string }).find((m) => m.message_type === 'summary');
    if (!summary?.snapshot_id) throw new Error(`restic backup printed no snapshot id: ${out}`);
    return summary.snapshot_id;
  }

  /** Write a snapshot as restic would; returns its id. */
  add(spec: ResticSnapshotSpec): string {
    const sn: Record<string, unknown> = { ...this.template, time: spec.time, hostname: spec.host, paths: [`/db/${spec.database}`] };
    delete sn.summary;
    delete sn.tags;
    if (spec.tags.length) sn.tags = spec.tags;
    const blob = sealRestic(Buffer.from(JSON.stringify(sn)), this.key);
    const id = createHash('sha256').update(blob).digest('hex');
    writeFileSync(join(this.dir, 'repo', 'snapshots', id), blob);
    return id;
  }

  async snapshots(args: string[] = []): Promise<{ id: string; time: string; hostname: string; tags?: string[]; paths: string[] }[]> {
    return JSON.parse(await this.must(['snapshots', '--json', '--no-lock', ...args])) as { id: string; time: string; hostname: string; tags?: string[]; paths: string[] }[];
  }

  /** `restic forget --dry-run --json ARGS`: groups, or the error restic exits with. */
  async forget(args: string[]): Promise<{ ok: true; groups: ResticForgetGroup[] } | { ok: false; code: number; message: string }> {
    const r = await run(['forget', '--dry-run', '--no-lock', '--no-cache', '--json', ...args], this.env);
    if (r.code !== 0) return { ok: false, code: r.code, message: (r.stderr + r.stdout).trim() };
    const text = r.stdout.trim();
    return { ok: true, groups: text ? JSON.parse(text) as ResticForgetGroup[] : [] };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
