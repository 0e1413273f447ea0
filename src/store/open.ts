/**
 * Repository locations → stores.
 *
 *   /abs/path, ./rel, ../rel, file:/abs, file:///abs        FsStore (relative paths resolve against cwd)
 *   s3:https://endpoint[:port]/bucket[/prefix…]              S3Store, path-style; http only for local servers
 *   s3:endpoint/bucket[/prefix]                              same, https assumed (restic's spelling)
 *   b2:bucket[/prefix] or b2:bucket:prefix                   S3Store on B2; the endpoint comes from the
 *                                                            s3.endpoint option or B2_S3_ENDPOINT / PGVAULT_S3_ENDPOINT
 *
 * The signing region is taken from a B2 host (s3.<region>.backblazeb2.com) or an AWS host
 * (s3.<region>.amazonaws.com), else the region option, AWS_REGION, AWS_DEFAULT_REGION, or us-east-1.
 * Credentials never belong in a location (they would end up in logs and shell history).
 */
import { isAbsolute, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import type { Env } from './credentials.js';
import { FsStore, type FsStoreOptions } from './fs.js';
import type { S3StoreOptions } from './s3.js';
import type { Store } from './types.js';

export type ParsedLocation =
  | { type: 'fs'; path: string }
  | { type: 's3'; endpoint: string; bucket: string; prefix: string; region: string; forcePathStyle: boolean };

export type S3OpenOptions = Partial<Omit<S3StoreOptions, 'bucket' | 'prefix' | 'env'>>;

export interface OpenStoreOptions {
  /** Environment for endpoints, regions and credentials (default process.env). */
  env?: Env;
  /** Base for relative paths (default process.cwd()). */
  cwd?: string;
  fs?: FsStoreOptions;
  /** S3 settings the location does not carry (credentials, region, retries, deleteMode…); `endpoint` only for b2:. */
  s3?: S3OpenOptions;
}

const FORMS = 'use /absolute/path, ./relative/path, file:/path, s3:https://endpoint/bucket/prefix or b2:bucket/prefix';
const BUCKET_RE = /^[A-Za-z0-9][A-Za-z0-9.-]{1,61}[A-Za-z0-9]$/;
const SEGMENT_RE = /^[A-Za-z0-9._=+-]+$/;
const B2_HOST_RE = /^s3\.([a-z0-9-]+)\.backblazeb2\.com$/i;
const AWS_HOST_RE = /^s3[.-]([a-z0-9-]+)\.amazonaws\.com$/i;

function bad(location: string, why: string): UsageError {
  return new UsageError(`invalid repository location "${location}": ${why}`);
}

export function parseLocation(input: string, opts: OpenStoreOptions = {}): ParsedLocation {
  const env = opts.env ?? process.env;
  const location = input.trim();
  if (location === '') throw new UsageError(`no repository location given: ${FORMS}`);
  if (location.startsWith('/')) return { type: 'fs', path: normalize(location) };
  if (location === '.' || location === '..' || location.startsWith('./') || location.startsWith('../')) {
    return { type: 'fs', path: resolve(opts.cwd ?? process.cwd(), location) };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    const hint = location.startsWith('~') ? ' (the shell does not expand ~ inside quotes or after "=")' : '';
    throw bad(location, `a local path must be absolute or start with ./ so it cannot be mistaken for something else${hint}; ${FORMS}`);
  }
  const rest = location.slice(scheme.length + 1);
  switch (scheme) {
    case 'file': return parseFile(location, rest);
    case 's3': return parseS3(location, rest, opts, env);
    case 'b2': return parseB2(location, rest, opts, env);
    default:
      throw bad(location, `unsupported scheme "${scheme}:"; ${FORMS}`);
  }
}

function parseFile(location: string, rest: string): ParsedLocation {
  if (rest.startsWith('//')) {
    let path: string;
    try {
      path = fileURLToPath(location);
    } catch (e) {
      throw bad(location, `${e instanceof Error ? e.message : String(e)}; write file:/path or file:///path (no host)`);
    }
    return { type: 'fs', path: normalize(path) };
  }
  if (!isAbsolute(rest)) throw bad(location, 'a file: location needs an absolute path, e.g. file:/var/backups/pgvault');
  return { type: 'fs', path: normalize(rest) };
}

function parseS3(location: string, rest: string, opts: OpenStoreOptions, env: Env): ParsedLocation {
  if (rest === '') throw bad(location, 'expected s3:https://endpoint/bucket/prefix');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(rest) ? rest : `https://${rest}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw bad(location, 'the endpoint is not a valid URL; expected s3:https://endpoint/bucket/prefix');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad(location, `the endpoint must be https:// (or http:// for a local test server), not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') {
    throw bad('s3:<redacted>', 'credentials do not belong in the location (they would end up in logs); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead');
  }
  if (url.search !== '' || url.hash !== '' || withScheme.includes('?') || withScheme.includes('#')) throw bad(location, 'no query string or fragment allowed');
  // Segments from the raw text: URL parsing would quietly resolve "a/../b" and percent-escapes.
  const afterScheme = withScheme.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = afterScheme.indexOf('/');
  const segments = slash < 0 ? [] : afterScheme.slice(slash + 1).split('/');
  return s3Location(location, `${url.protocol}//${url.host}`, url.hostname, segments, opts, env);
}

function parseB2(location: string, rest: string, opts: OpenStoreOptions, env: Env): ParsedLocation {
  // b2:bucket/prefix, or restic's b2:bucket:prefix
  const colon = rest.indexOf(':');
  const slash = rest.indexOf('/');
  const path = colon >= 0 && (slash < 0 || colon < slash) ? `${rest.slice(0, colon)}/${rest.slice(colon + 1)}` : rest;
  if (path === '' || path.startsWith('/')) throw bad(location, 'expected b2:bucket/prefix');
  const configured = opts.s3?.endpoint ?? env.B2_S3_ENDPOINT ?? env.PGVAULT_S3_ENDPOINT;
  if (!configured) {
    throw new UsageError(
      `repository location "${location}" needs the bucket's S3 endpoint: set B2_S3_ENDPOINT (or PGVAULT_S3_ENDPOINT), e.g. ` +
      'B2_S3_ENDPOINT=https://s3.us-west-004.backblazeb2.com (the "Endpoint" shown on the bucket\'s page in the B2 web UI), ' +
      `or write the location as s3:https://s3.<region>.backblazeb2.com/${path}`);
  }
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(configured) ? configured : `https://${configured}`);
  } catch {
    throw new UsageError(`the S3 endpoint "${configured}" (B2_S3_ENDPOINT / PGVAULT_S3_ENDPOINT / option) is not a valid URL, e.g. https://s3.us-west-004.backblazeb2.com`);
  }
  if (url.pathname !== '/' && url.pathname !== '' || url.search !== '' || url.username !== '' || url.password !== '') {
    throw new UsageError(`the S3 endpoint "${url.protocol}//${url.host}${url.pathname}" must be just scheme and host (no path, query or credentials), e.g. https://s3.us-west-004.backblazeb2.com`);
  }
  return s3Location(location, `${url.protocol}//${url.host}`, url.hostname, path.split('/'), opts, env);
}

function s3Location(location: string, endpoint: string, host: string, segments: string[], opts: OpenStoreOptions, env: Env): ParsedLocation {
  const [bucket = '', ...prefixParts] = segments;
  if (bucket === '') throw bad(location, 'no bucket: expected s3:https://endpoint/bucket/prefix');
  if (!BUCKET_RE.test(bucket) || bucket.includes('..')) {
    throw bad(location, `"${bucket}" is not a valid bucket name (3–63 letters, digits, "-" or ".")`);
  }
  if (prefixParts.at(-1) === '') prefixParts.pop(); // one trailing slash is fine
  for (const part of prefixParts) {
    if (part === '') throw bad(location, 'empty path segment ("//") in the prefix');
    if (part === '.' || part === '..') throw bad(location, `"${part}" is not allowed in the prefix`);
    if (!SEGMENT_RE.test(part)) throw bad(location, `prefix segment "${part}" may contain only letters, digits and . _ = + -`);
  }
  const b2Region = B2_HOST_RE.exec(host)?.[1]?.toLowerCase();
  const awsRegion = AWS_HOST_RE.exec(host)?.[1]?.toLowerCase();
  const explicit = opts.s3?.region;
  if (b2Region !== undefined) {
    if (!endpoint.startsWith('https:')) throw bad(location, 'Backblaze B2 accepts only https://');
    if (explicit !== undefined && explicit !== b2Region) {
      throw bad(location, `region "${explicit}" does not match the B2 endpoint's region "${b2Region}"; leave the region out`);
    }
  }
  const region = b2Region ?? explicit ?? awsRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return { type: 's3', endpoint, bucket, prefix: prefixParts.join('/'), region, forcePathStyle: opts.s3?.forcePathStyle ?? true };
}

/** Parse `location` and open the store it names. No I/O happens until the first call on the store. */
export async function openStore(location: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const p = parseLocation(location, opts);
  if (p.type === 'fs') return new FsStore(p.path, opts.fs);
  // The AWS SDK costs ~22 MiB of memory and start-up time: load it only for S3 locations.
  const { S3Store } = await import('./s3.js');
  return new S3Store({
    ...opts.s3,
    endpoint: p.endpoint,
    bucket: p.bucket,
    prefix: p.prefix,
    region: p.region,
    forcePathStyle: p.forcePathStyle,
    env: opts.env ?? process.env,
  });
}
