/**
 * The set of chunk IDs known to exist in the repository, kept compact: a sorted buffer of raw 32-byte
 * IDs (binary search) plus a small Set of recent additions that is merged in when it grows. One
 * million chunks (about 1 TB of dumps at 1 MiB per chunk) cost 32 MiB, not the ~150 MiB a Set of
 * hex strings would.
 */

export const ID_BYTES = 32;
const MERGE_AT = 65_536;

export class KnownChunks {
  #base: Buffer = Buffer.alloc(0);
  #recent = new Set<string>();

  get size(): number {
    return this.#base.length / ID_BYTES + this.#recent.size;
  }

  has(id: string): boolean {
    if (this.#recent.has(id)) return true;
    return this.#find(Buffer.from(id, 'hex')) >= 0;
  }

  add(id: string): void {
    if (this.has(id)) return;
    this.#recent.add(id);
    if (this.#recent.size >= MERGE_AT) this.#merge();
  }

  /** Every ID in ascending order, as raw bytes (for the cache file). */
  toSortedBuffer(): Buffer {
    this.#merge();
    return this.#base;
  }

  /** Replace the content with a sorted buffer of raw IDs (trusted: produced by toSortedBuffer). */
  static fromSortedBuffer(buf: Buffer): KnownChunks {
    if (buf.length % ID_BYTES !== 0) throw new RangeError('known-chunk buffer length is not a multiple of 32');
    const k = new KnownChunks();
    k.#base = Buffer.from(buf);
    return k;
  }

  #find(key: Buffer): number {
    const base = this.#base;
    let lo = 0;
    let hi = base.length / ID_BYTES - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = base.compare(key, 0, ID_BYTES, mid * ID_BYTES, mid * ID_BYTES + ID_BYTES);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1; // base[mid] < key
      else hi = mid - 1;
    }
    return -1;
  }

  #merge(): void {
    if (this.#recent.size === 0) return;
    const added = [...this.#recent].sort().map((h) => Buffer.from(h, 'hex'));
    const out = Buffer.alloc(this.#base.length + added.length * ID_BYTES);
    let i = 0; // position in base (bytes)
    let j = 0; // index in added
    let o = 0;
    const base = this.#base;
    while (i < base.length || j < added.length) {
      if (j >= added.length || (i < base.length && base.compare(added[j]!, 0, ID_BYTES, i, i + ID_BYTES) < 0)) {
        base.copy(out, o, i, i + ID_BYTES);
        i += ID_BYTES;
      } else {
        added[j]!.copy(out, o);
        j++;
      }
      o += ID_BYTES;
    }
    this.#base = out;
    this.#recent.clear();
  }
}
