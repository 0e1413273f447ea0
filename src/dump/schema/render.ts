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
