/**
 * Repository format constants and the `config` object (see docs/format.md).
 *
 * `config` is the only object whose header is readable before unlocking: it says that this is a
 * pgvault repository, which format version it uses and its id. Everything that matters (chunker
 * parameters, compression) is in `settings`, sealed with the master key (associated data "config"),
 * so it cannot be altered without detection.
 */
import type { ChunkerParams } from '../chunker/index.js';
import { isChunkIdScheme, LEGACY_CHUNK_ID_SCHEME, type ChunkIdScheme } from '../crypto/chunk-id.js';
import type { ChunkCompression } from '../crypto/compress.js';
import { ConfigError, IntegrityError } from '../errors.js';

export const REPO_FORMAT = 'pgvault-repository';
/**
 * The newest `config` version this pgvault reads and the one it writes. Version 2 adds `settings.chunkId` (the
 * chunk-ID scheme); a version 1 repository names its objects with keyed BLAKE2b-256 and is read and written as it is.
 */
export const REPO_VERSION = 2;

export interface RepoSettings {
  /** FastCDC parameters used for every stream of this repository. */
  chunker: ChunkerParams;
  /** Chunk compression scheme name, recorded for readers (see docs/chunking-and-crypto.md). */
  compression: string;
  /** The keyed hash naming chunks, indexes and manifests (format version 2; version 1: keyed BLAKE2b-256). */
  chunkId?: string;
}

/** The chunk-ID scheme of a repository: named in version 2's settings, keyed BLAKE2b-256 in version 1. */
export function chunkIdSchemeOf(version: number, settings: RepoSettings, location: string): ChunkIdScheme {
  // The header's version is not sealed; the settings are. They must agree, or the header was edited.
  if ((version < 2) !== (settings.chunkId === undefined)) {
    throw new IntegrityError(`the "config" object at ${location} says format version ${version} but its sealed settings ` +
      `${settings.chunkId === undefined ? 'name no' : 'name a'} chunk-ID scheme: its header was altered; set its "version" back to ` +
      `${settings.chunkId === undefined ? 1 : 2}`, 'config');
  }
  if (version < 2) return LEGACY_CHUNK_ID_SCHEME;
  if (!isChunkIdScheme(settings.chunkId)) {
    throw new ConfigError(`the repository at ${location} names its chunks with "${String(settings.chunkId)}", ` +
      'which this pgvault does not know: it was created by a newer pgvault; upgrade pgvault');
  }
  return settings.chunkId;
}

/**
 * Compression scheme names recorded in `settings.compression`, and how data chunks are packed under
 * each. `gzip-member-v1`: method byte 0x01 (every repository before 0.2); `zstd-frame-v1`: method byte
 * 0x02 for data chunks (`init --compression zstd`, needs Node.js ≥ 22.15). Other objects (manifests,
 * locks) are gzip in both, so commands that read no data (snapshots, forget) work on any Node.js.
 */
export const COMPRESSION_SCHEMES: Readonly<Record<string, ChunkCompression>> = {
  'gzip-member-v1': 'gzip',
  'zstd-frame-v1': 'zstd',
};

export function schemeOf(c: ChunkCompression): string {
  return c === 'zstd' ? 'zstd-frame-v1' : 'gzip-member-v1';
}

/** The data-chunk compression of a repository's settings; refuses a scheme this version does not know. */
export function chunkCompressionOf(settings: RepoSettings, location: string): ChunkCompression {
  const c = Object.hasOwn(COMPRESSION_SCHEMES, settings.compression) ? COMPRESSION_SCHEMES[settings.compression] : undefined;
  if (!c) {
    throw new ConfigError(`the repository at ${location} compresses its chunks with "${String(settings.compression)}", ` +
      'which this pgvault does not know: it was created by a newer pgvault; upgrade pgvault');
  }
  return c;
}

export interface ConfigHeader {
  format: typeof REPO_FORMAT;
  version: number;
  /** 32 hex characters, random at init; names the local cache directory. */
  id: string;
  created: string;
}

export interface ConfigFile extends ConfigHeader {
  /** base64 of seal(masterKey.encryption, JSON(RepoSettings), "config"). */
  settings: string;
}

export function parseConfigHeader(bytes: Uint8Array, location: string): ConfigFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new IntegrityError(`the "config" object at ${location} is not valid JSON: it is damaged or this is not a pgvault repository`, 'config', { cause });
  }
  const c = parsed as Partial<ConfigFile>;
  if (typeof c !== 'object' || c === null || c.format !== REPO_FORMAT) {
    throw new IntegrityError(`the "config" object at ${location} is not a pgvault repository config (format is ${JSON.stringify(c?.format)})`, 'config');
  }
  if (typeof c.version !== 'number' || c.version > REPO_VERSION || c.version < 1) {
    throw new IntegrityError(
      `the repository at ${location} uses format version ${String(c.version)}, but this pgvault reads versions 1 to ${REPO_VERSION} only; upgrade pgvault`,
      'config');
  }
  if (typeof c.id !== 'string' || !/^[0-9a-f]{32}$/.test(c.id) || typeof c.settings !== 'string') {
    throw new IntegrityError(`the "config" object at ${location} is incomplete (id or settings missing): it is damaged`, 'config');
  }
  return c as ConfigFile;
}
