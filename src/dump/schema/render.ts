/**
 * The plain-script writer (pg_backup_archiver.c for plain output): header, DROP pass in reverse
 * TOC order, main pass (pre-data → [engine data] → post-data), ACL pass, event triggers and
 * matview refreshes, footer. Also selects default_tablespace / default_table_access_method lazily.
 */
import type { TocEntry } from './model.js';
import type { Quoter } from './quote.js';

export interface PlacedEntry { entry: TocEntry; phase: 'pre' | 'post' }

function sanitize(s: string | null): string {
  if (s === null) return '-';
  return s.replace(/[\n\r]/g, ' ');
}

export function header(serverVersion: string, restrictKey: string | null, clientEncoding: string): string {
  let s = '--\n-- PostgreSQL database dump\n--\n\n';
  if (restrictKey !== null) s += `\\restrict ${restrictKey}\n\n`;
  s += `-- Dumped from database version ${sanitize(serverVersion)}\n`;
  s += '-- Dumped by pgvault (pg_dump-compatible plain format)\n\n';
  s += 'SET statement_timeout = 0;\n';
  s += 'SET lock_timeout = 0;\n';
  s += 'SET idle_in_transaction_session_timeout = 0;\n';
  // pg_dump 17 writes `SET transaction_timeout = 0;`, which fails on servers <= 16 under ON_ERROR_STOP.
  s += "SELECT pg_catalog.set_config(name, '0', false) FROM pg_catalog.pg_settings WHERE name = 'transaction_timeout';\n";
  s += `SET client_encoding = '${clientEncoding.replace(/'/g, "''")}';\n`;
  s += 'SET standard_conforming_strings = on;\n';
  s += "SELECT pg_catalog.set_config('search_path', '', false);\n";
  s += 'SET check_function_bodies = false;\n';
  s += 'SET xmloption = content;\n';
  s += 'SET client_min_messages = warning;\n';
  s += 'SET row_security = off;\n';
  // Not in pg_dump's header: a target database default quote_all_identifiers = on changes what the
  // server stores for some statements (text search dictionary options), so pin it off.
  s += 'SET quote_all_identifiers = off;\n\n';
  return s;
}

export function footer(restrictKey: string | null): string {
  let s = '--\n-- PostgreSQL database dump complete\n--\n\n';
  if (restrictKey !== null) s += `\\unrestrict ${restrictKey}\n\n`;
  return s;
}

export class EntryPrinter {
  private tablespace: string | null = null;
  private tableam: string | null = null;
  constructor(private readonly q: Quoter) {}

  print(e: TocEntry): string {
    let s = '';
    if (e.tablespace !== undefined && e.tablespace !== null && e.tablespace !== this.tablespace) {
      s += e.tablespace === '' ? "SET default_tablespace = '';\n\n" : `SET default_tablespace = ${this.q.id(e.tablespace)};\n\n`;
      this.tablespace = e.tablespace;
    }
    if (e.tableam !== undefined && e.tableam !== null && e.tableam !== this.tableam) {
      s += `SET default_table_access_method = ${this.q.id(e.tableam)};\n\n`;
      this.tableam = e.tableam;
    }
    s += `--\n-- Name: ${sanitize(e.tag)}; Type: ${e.desc}; Schema: ${sanitize(e.schema)}; Owner: ${sanitize(e.owner)}\n--\n\n`;
    if (e.create.length > 0) s += `${e.create}\n\n`;
    if (e.ownerStmt !== null && e.drop !== null && e.drop.length > 0) s += `${e.ownerStmt}\n\n`;
    return s;
  }
}

/** The DROP pass: every drop statement, last entry first. */
export function dropPass(entries: PlacedEntry[]): string {
  let s = '';
  for (let i = entries.length - 1; i >= 0; i--) {
    const d = entries[i]!.entry.drop;
    if (d) s += d;
  }
  return s;
}

/** Characters gathered before the pieces of a TextSpool are joined into one flat segment. */
const SEGMENT_CHARS = 64 * 1024;

/**
 * Script text appended piece by piece and kept flat: pieces (often ropes built by `+`, which cost several times
 * their text) are joined into flat segments every 64 K characters, so the spool holds about its text and no
 * per-object strings. `reversed` spools give their pieces last first (the DROP pass).
 */
export class TextSpool {
  private pieces: string[] = [];
  private pending = 0;
  private readonly segments: string[] = [];
  constructor(private readonly reversed = false) {}

  append(s: string): void {
    if (s.length === 0) return;
    this.pieces.push(s);
    this.pending += s.length;
    if (this.pending >= SEGMENT_CHARS) this.seal();
  }

  private seal(): void {
    if (this.pieces.length === 0) return;
    if (this.reversed) this.pieces.reverse();
    this.segments.push(this.pieces.join(''));
    this.pieces = [];
    this.pending = 0;
  }

  /** The text as flat segments of ~64 K characters, in order; the spool is empty afterwards. */
  takeSegments(): string[] {
    this.seal();
    if (this.reversed) this.segments.reverse();
    return this.segments.splice(0);
  }

  /** The whole text (one flat string); the spool is empty afterwards. */
  take(): string {
    return this.takeSegments().join('');
  }
}

/** What ScriptWriter has seen: entries written, and the most ever received but not yet written (a test's guard). */
export interface WriterStats { entries: number; maxHeld: number }

/**
 * The plain-script writer as a stream: objects' entries arrive in sort order, one object at a time, and are printed
 * at once into the sections they belong to (DROP pass, pre-data, post-data, ACL pass, matview refreshes, event
 * triggers); nothing per object is kept. Byte-identical to printing the whole TOC pass by pass: one printer tracks
 * `SET default_tablespace`/`default_table_access_method` through the main pass (every pre-data entry arrives before
 * every post-data one), and only main-pass entries carry a tablespace or access method.
 */
export class ScriptWriter {
  private readonly printer: EntryPrinter;
  private readonly drops = new TextSpool(true);
  private readonly pre = new TextSpool();
  private readonly post = new TextSpool();
  private readonly acl = new TextSpool();
  private readonly refresh = new TextSpool();
  private readonly last = new TextSpool();
  private held = 0;
  readonly stats: WriterStats = { entries: 0, maxHeld: 0 };

  constructor(q: Quoter, private readonly clean: boolean) {
    this.printer = new EntryPrinter(q);
  }

  /** The entries of one object, in the phase it sorted into. */
  write(entries: TocEntry[], phase: 'pre' | 'post'): void {
    this.held += entries.length;
    this.stats.maxHeld = Math.max(this.stats.maxHeld, this.held);
    for (const e of entries) {
      if (this.clean && e.drop) this.drops.append(e.drop);
      if (e.pass === 1) (phase === 'pre' ? this.pre : this.post).append(this.printer.print(e));
      else {
        if ((e.tablespace !== undefined && e.tablespace !== null) || (e.tableam !== undefined && e.tableam !== null)) {
          throw new Error(`internal error: ${e.desc} entry ${e.tag} outside the main pass carries a tablespace or access method`);
        }
        const text = this.printer.print(e);
        if (e.pass === 2) this.acl.append(text);
        else if (e.desc === 'MATERIALIZED VIEW DATA') this.refresh.append(text);
        else this.last.append(text);
      }
      this.stats.entries++;
      this.held--;
    }
  }

  /**
   * The prologue (header, DROP pass, pre-data) and epilogue (post-data, ACL pass, matview refreshes, event
   * triggers — refreshes first, see below — and footer), each as flat segments in order: never joined into one
   * string here (for 20 000 tables the prologue is ~28 M characters; joining sections, then the whole, held the text
   * two or three times over at the schema side's peak).
   */
  finish(header: string, footer: string): { prologue: string[]; epilogue: string[] } {
    const prologue = [header, ...this.drops.takeSegments(), ...this.pre.takeSegments()];
    // Last pass: matview refreshes before event triggers (pg_dump runs them after, so a DDL-logging
    // event trigger fires on the restore's own REFRESH statements).
    const epilogue = [...this.post.takeSegments(), ...this.acl.takeSegments(), ...this.refresh.takeSegments(), ...this.last.takeSegments(), footer];
    return { prologue: prologue.filter((x) => x.length > 0), epilogue: epilogue.filter((x) => x.length > 0) };
  }
}
