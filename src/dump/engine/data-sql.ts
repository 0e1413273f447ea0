/**
 * The data section after the COPY blocks, read in the dump's snapshot on the leader connection:
 * sequence values (`SELECT last_value, is_called FROM seq`, never nextval) and large-object contents, both in
 * pg_dump's exact text, streamed in bounded pieces.
 */
import type pg from 'pg';
import type { SequenceSpec } from '../plan.js';
import { objectError } from './errors.js';
import { setvalStatement, tocComment } from './text.js';

/** pg_dump's lowrite granularity (LOBBUFSIZE): one `lowrite` line per 16 KiB, whatever size we read. */
export const LO_WRITE_BYTES = 16384;
/** How much of a large object we fetch per round trip (a multiple of LO_WRITE_BYTES). */
export const LO_READ_BYTES = 64 * LO_WRITE_BYTES;
/** INV_WRITE, as pg_dump passes to lo_open in the script. */
const INV_WRITE = 131072;

export async function* sequenceValues(client: pg.Client, seqs: SequenceSpec[], noOwner: boolean, endpoint: string,
  enc: 'utf8' | 'latin1' = 'utf8'): AsyncGenerator<Buffer> {
  for (const s of seqs) {
    let row: { last_value: string; is_called: boolean } | undefined;
    try {
      const r = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${s.qualified}`);
      row = r.rows[0];
    } catch (e) {
      throw objectError(e, { kind: 'sequence', name: s.qualified, endpoint });
    }
    if (!row) throw objectError(new Error('no row returned'), { kind: 'sequence', name: s.qualified, endpoint });
    const header = tocComment('Name', s.name ?? s.qualified, 'SEQUENCE SET', s.schema, noOwner ? null : s.owner);
    yield Buffer.from(`${header}${setvalStatement(s.qualified, String(row.last_value), row.is_called)}\n\n`, enc);
  }
}

/** `\x` + hex, as pg_dump's appendByteaLiteral writes with standard_conforming_strings on. */
function lowriteLines(data: Buffer): string {
  let out = '';
  for (let off = 0; off < data.length; off += LO_WRITE_BYTES) {
    out += `SELECT pg_catalog.lowrite(0, '\\x${data.subarray(off, off + LO_WRITE_BYTES).toString('hex')}');\n`;
  }
  return out;
}

/** pg_dump's comment before the BLOBS entry, used when the plan does not provide one. */
export const DEFAULT_LO_HEADER = tocComment('Data for Name', 'BLOBS', 'BLOBS', null, null);

export async function* largeObjectContents(client: pg.Client, oids: number[], header: string, endpoint: string): AsyncGenerator<Buffer> {
  if (oids.length === 0) return;
  yield Buffer.from(`${header}BEGIN;\n\n`);
  for (const oid of oids) {
    yield Buffer.from(`SELECT pg_catalog.lo_open('${oid}', ${INV_WRITE});\n`);
    // lo_get reads through the transaction snapshot, so contents are those at the dump's snapshot.
    for (let offset = 0; ; offset += LO_READ_BYTES) {
      let data: Buffer;
      try {
        const r = await client.query<{ data: Buffer }>('SELECT pg_catalog.lo_get($1::pg_catalog.oid, $2::pg_catalog.int8, $3::pg_catalog.int4) AS data',
          [oid, offset, LO_READ_BYTES]);
        data = r.rows[0]!.data;
      } catch (e) {
        throw objectError(e, { kind: 'large object', name: String(oid), endpoint });
      }
      if (data.length > 0) yield Buffer.from(lowriteLines(data));
      if (data.length < LO_READ_BYTES) break;
    }
    yield Buffer.from('SELECT pg_catalog.lo_close(0);\n\n');
  }
  yield Buffer.from('COMMIT;\n\n');
}
