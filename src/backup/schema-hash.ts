/**
 * The SHA-256 a manifest records for the prologue and epilogue: over the part's text without psql's `\restrict` /
 * `\unrestrict` lines (docs/format.md), i.e. `sha256(stripMetaCommands(utf8Decode(all bytes)))`, computed as the
 * pieces stream by instead of over one concatenated copy. The text is decoded as it arrives and hashed up to its
 * last complete line; the rest waits for the next piece, so every line is stripped whole, as in the whole text.
 */
import { createHash, type Hash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { stripMetaCommands } from '../restore/into-db.js';

/** The last line terminator of a JavaScript regular expression's `^`/`$` (where stripMetaCommands' lines end), or -1. */
function lastLineEnd(s: string): number {
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return i;
  }
  return -1;
}

export class SchemaTextHash {
  readonly #hash: Hash = createHash('sha256');
  readonly #decoder = new StringDecoder('utf8');
  #carry = '';

  update(piece: Uint8Array): void {
    const text = this.#carry + this.#decoder.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    const end = lastLineEnd(text) + 1;
    if (end > 0) this.#hash.update(stripMetaCommands(text.slice(0, end)));
    this.#carry = text.slice(end);
  }

  digest(): string {
    const rest = this.#carry + this.#decoder.end();
    this.#carry = '';
    if (rest.length > 0) this.#hash.update(stripMetaCommands(rest));
    return this.#hash.digest('hex');
  }
}
