/**
 * Write a layered table's rows during a backup (docs/incremental.md): either a new base (the rows in a
 * stream of their own, plus the base's row list) or a delta against an existing base (the op list and
 * the literal rows). The caller passes the table's COPY rows piece by piece, exactly the bytes the dump
 * engine hashed for the table.
 */
import { IntegrityError } from '../errors.js';
import type { UploadStats } from '../repo/chunk-store.js';
import type { Repository } from '../repo/repository.js';
import type { StreamWriter } from '../repo/writer.js';
import type { LayerBase, TableLayer } from '../snapshot/manifest.js';
import { DeltaBuilder, type DeltaStats } from './delta.js';
import { RowHasher } from './hash.js';
import { RowListEncoder } from './row-list.js';
import { RowSplitter } from './rows.js';

/** The key of a repository's row hashes: the repository's keyed object hash (chunk-id.ts) of a fixed string, so it is secret and per repository. */
export function rowHashKey(repo: Repository): Uint8Array {
  return Buffer.from(repo.contentId(Buffer.from('pgvault row hashes', 'ascii')), 'hex');
}

export type LayerPlan = { kind: 'base' } | { kind: 'delta'; base: LayerBase };

export interface WrittenLayer {
  layer: TableLayer;
  added: UploadStats;
  /** Set for a delta. */
  delta?: DeltaStats;
}

function addStats(into: UploadStats, a: UploadStats): void {
  into.newChunks += a.newChunks;
  into.newBytes += a.newBytes;
  into.storedBytes += a.storedBytes;
}

export class TableLayerWriter {
  readonly #plan: LayerPlan;
  readonly #split: RowSplitter;
  readonly #hasher: RowHasher;
  readonly #time: string;
  readonly #what: string;
  // base
  #rowsOut: StreamWriter | undefined;
  #listOut: StreamWriter | undefined;
  #list: RowListEncoder | undefined;
  // delta
  #delta: DeltaBuilder | undefined;
  #opsOut: StreamWriter | undefined;
  #litOut: StreamWriter | undefined;

  constructor(repo: Repository, hasher: RowHasher, plan: LayerPlan, opts: { time: string; what: string; window?: number }) {
    this.#plan = plan;
    this.#hasher = hasher;
    this.#time = opts.time;
    this.#what = opts.what;
    this.#split = new RowSplitter(`the COPY rows of ${opts.what}`);
    if (plan.kind === 'base') {
      this.#rowsOut = repo.writer();
      // Keyed hashes do not compress: stored raw, without a gzip attempt per chunk (docs/benchmarks.md, "Eleventh pass").
      this.#listOut = repo.writer({ hash: false, compress: false });
      this.#list = new RowListEncoder();
    } else {
      this.#delta = new DeltaBuilder(repo.readStream(plan.base.rowList), plan.base.rows, hasher,
        { what: `the row list of the base of ${opts.what}`, ...(opts.window ? { window: opts.window } : {}) });
      this.#opsOut = repo.writer({ hash: false });
      this.#litOut = repo.writer({ hash: false });
    }
  }

  async write(piece: Uint8Array): Promise<void> {
    if (this.#plan.kind === 'base') {
      const batches = this.#list!.addRowsOf(piece, this.#split, this.#hasher);
      await this.#rowsOut!.write(piece);
      for (const batch of batches) await this.#listOut!.write(batch);
      return;
    }
    const rows = this.#split.push(piece);
    const d = this.#delta!;
    for (const row of rows) if (d.tryAdd(row) ?? await d.add(row)) await this.#litOut!.write(row);
    await this.#opsOut!.write(this.#delta!.takeOps());
  }

  async finish(): Promise<WrittenLayer> {
    this.#split.end();
    const added: UploadStats = { newChunks: 0, newBytes: 0, storedBytes: 0 };
    if (this.#plan.kind === 'base') {
      const tail = this.#list!.flush();
      if (tail) await this.#listOut!.write(tail);
      const rows = await this.#rowsOut!.finish();
      const list = await this.#listOut!.finish();
      addStats(added, rows.added);
      addStats(added, list.added);
      const base: LayerBase = { time: this.#time, list: rows.list, rows: this.#list!.count, size: rows.size, sha256: rows.sha256!, rowList: list.list };
      return { layer: { base }, added };
    }
    const end = await this.#delta!.finish();
    await this.#opsOut!.write(end.ops);
    const ops = await this.#opsOut!.finish();
    const lit = await this.#litOut!.finish();
    addStats(added, ops.added);
    addStats(added, lit.added);
    if (ops.size !== end.stats.opBytes || lit.size !== end.stats.literalBytes) {
      throw new IntegrityError(`internal check failed writing the delta of ${this.#what}: op list or literal stream sizes disagree with the matcher`);
    }
    return {
      layer: { base: this.#plan.base, delta: { ops: ops.list, opsSize: ops.size, opCount: end.stats.ops, literals: lit.list, literalRows: end.stats.literalRows, literalSize: lit.size } },
      added, delta: end.stats,
    };
  }
}
