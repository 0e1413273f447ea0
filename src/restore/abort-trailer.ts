/**
 * When `restore --stdout | psql` is cut mid-stream (the store fails), psql must not take the truncated
 * script for a complete one: without ON_ERROR_STOP it exits 0 after loading a partial database.
 *
 * PsqlScriptTracker follows the script as psql's lexer would (quotes, dollar quotes, comments,
 * parentheses, meta-command lines, and the COPY data after `COPY … FROM stdin;` up to its `\.` line), so
 * that after a failure `abortTrailer()` can end the stream with text that, wherever the cut fell:
 * 1. closes what is open: a COPY row gets an invalid end-of-copy marker (the COPY fails, so no truncated
 *    row is loaded), a quote/comment is closed, open parentheses are closed;
 * 2. makes a truncated statement fail instead of running it shortened: ` $1` is appended before its `;`
 *    ("there is no parameter $1" or a syntax error in any position);
 * 3. raises an error that says what happened (psql with ON_ERROR_STOP=1 stops here with exit code 3);
 * 4. terminates its own session (`pg_terminate_backend(pg_backend_pid())`): a non-interactive psql
 *    whose connection is lost exits with code 2 even without ON_ERROR_STOP.
 * Like psql (14+), a semicolon inside `CREATE [OR REPLACE] FUNCTION|PROCEDURE … BEGIN ATOMIC … END` (and a
 * CASE … END within it) does not end the statement: the tracker counts that depth with psql's own heuristic
 * (the first identifiers of the statement, then BEGIN/CASE/END outside parentheses), and the trailer closes
 * it with END so that psql sends the truncated statement (which fails) and then runs the rest of the trailer.
 * Nothing after the trailer runs. Under psql's `\restrict` mode all of this is plain SQL and COPY data.
 */

const NL = 0x0a;
const BACKSLASH = 0x5c;

type State =
  | { kind: 'normal' }
  | { kind: 'line-comment' }
  | { kind: 'block-comment'; depth: number }
  | { kind: 'quote'; escapes: boolean }
  | { kind: 'ident' }
  | { kind: 'dollar'; tag: string }
  | { kind: 'meta' }
  | { kind: 'copy' };

const isIdentByte = (b: number): boolean => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x24 || b >= 0x80;
const isIdentStart = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b >= 0x80;

/** A statement longer than this is not a `COPY … FROM stdin` (its text is only kept to recognise one). */
const MAX_KEPT_STATEMENT = 1 << 20;

export class PsqlScriptTracker {
  #state: State = { kind: 'normal' };
  #paren = 0;
  /** Text of the current statement (to recognise `COPY … FROM stdin`), while it is short. */
  #stmt: number[] = [];
  #stmtLong = false;
  #stmtHasContent = false;
  #prev = NL;
  /** Consecutive backslashes just written (a quote with escapes, a COPY row). */
  #backslashes = 0;
  /** COPY: bytes of the current data line so far, up to 3 (to recognise `\.`). */
  #copyLine: number[] = [];
  /** Dollar quote: the bytes after the opening tag that may be the closing tag. */
  #dollarMatch = 0;
  /** A `$` that may open a dollar quote: the tag read so far (null: not in one). */
  #tagOpen: number[] | null = null;
  /** The unquoted identifier being read, lower-cased and cut at 16 bytes (null: not in one). */
  #word: number[] | null = null;
  /** psql's statement heuristic: the first letters of CREATE/OR/REPLACE/FUNCTION/PROCEDURE among the first four identifiers. */
  #ids: string[] = [];
  #idCount = 0;
  /** psql's `begin_depth`: open BEGIN (and CASE inside one) of a function body; semicolons do not end the statement. */
  #begin = 0;

  update(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.#state.kind === 'copy') {
        // Fast path over the data: jump to the next newline when the line cannot be `\.`.
        if (this.#copyLine.length >= 3 || (this.#copyLine.length > 0 && this.#copyLine[0] !== BACKSLASH)) {
          const nl = bytes.indexOf(NL, i);
          const end = nl === -1 ? bytes.length : nl;
          if (end > i) {
            this.#trackBackslashes(bytes, i, end);
            this.#prev = bytes[end - 1]!;
            i = end - 1;
            if (nl === -1) break;
            continue;
          }
        }
        this.#copyByte(b);
        continue;
      }
      this.#sqlByte(b);
    }
  }

  #trackBackslashes(bytes: Uint8Array, from: number, to: number): void {
    let n = 0;
    for (let j = to - 1; j >= from && bytes[j] === BACKSLASH; j--) n++;
    this.#backslashes = n === to - from ? this.#backslashes + n : n;
  }

  #copyByte(b: number): void {
    if (b === NL) {
      const line = this.#copyLine;
      if (line.length === 2 && line[0] === BACKSLASH && line[1] === 0x2e) this.#endStatement();
      this.#copyLine = [];
    } else if (this.#copyLine.length < 3) {
      this.#copyLine.push(b);
    }
    this.#backslashes = b === BACKSLASH ? this.#backslashes + 1 : 0;
    this.#prev = b;
  }

  #keep(b: number): void {
    if (this.#stmtLong) return;
    if (this.#stmt.length >= MAX_KEPT_STATEMENT) { this.#stmtLong = true; this.#stmt = []; return; }
    this.#stmt.push(b);
  }

  /** The `-` or `/` that opened a comment is not statement text. */
  #uncomment(): void {
    if (this.#stmtLong) return;
    this.#stmt.pop();
    this.#stmtHasContent = this.#stmt.some((c) => c !== 0x20 && c !== NL && c !== 0x09 && c !== 0x0d);
  }

  /** An unquoted identifier ended: psql's BEGIN … END tracking (psqlscan.l, `{identifier}`). */
  #endWord(): void {
    const w = Buffer.from(this.#word ?? []).toString('latin1');
    this.#word = null;
    if (this.#idCount === 0) this.#ids = [];
    if (['create', 'function', 'procedure', 'or', 'replace'].includes(w) && this.#idCount < 4) this.#ids[this.#idCount] = w[0]!;
    this.#idCount++;
    const [a, b, c, d] = this.#ids;
    const routine = a === 'c' && (b === 'f' || b === 'p' || (b === 'o' && c === 'r' && (d === 'f' || d === 'p')));
    if (!routine || this.#paren !== 0) return;
    if (w === 'begin') this.#begin++;
    else if (w === 'case') { if (this.#begin >= 1) this.#begin++; } else if (w === 'end') { if (this.#begin > 0) this.#begin--; }
  }

  #endStatement(): void {
    this.#idCount = 0;
    this.#begin = 0;
    this.#word = null;
    this.#state = { kind: 'normal' };
    this.#stmt = [];
    this.#stmtLong = false;
    this.#stmtHasContent = false;
    this.#paren = 0;
  }

  #sqlByte(b: number): void {
    const s = this.#state;
    const prev = this.#prev;
    this.#prev = b;
    switch (s.kind) {
      case 'line-comment':
        if (b === NL) this.#state = { kind: 'normal' };
        return;
      case 'meta':
        if (b === NL) this.#state = { kind: 'normal' };
        return;
      case 'block-comment':
        if (prev === 0x2f && b === 0x2a) { s.depth++; this.#prev = 0; } else if (prev === 0x2a && b === 0x2f) {
          s.depth--;
          this.#prev = 0;
          if (s.depth === 0) this.#state = { kind: 'normal' };
        }
        return;
      case 'quote':
        this.#keep(b);
        if (s.escapes && b === BACKSLASH) { this.#backslashes++; return; }
        if (b === 0x27 && !(s.escapes && this.#backslashes % 2 === 1)) this.#state = { kind: 'normal' };
        this.#backslashes = 0;
        return;
      case 'ident':
        this.#keep(b);
        if (b === 0x22) this.#state = { kind: 'normal' };
        return;
      case 'dollar': {
        this.#keep(b);
        const close = `$${s.tag}$`;
        if (b === close.charCodeAt(this.#dollarMatch)) {
          this.#dollarMatch++;
          if (this.#dollarMatch === close.length) { this.#state = { kind: 'normal' }; this.#dollarMatch = 0; }
        } else {
          this.#dollarMatch = b === 0x24 ? 1 : 0;
        }
        return;
      }
      case 'copy':
        return;
      case 'normal':
        break;
    }
    // normal
    if (this.#tagOpen !== null) {
      if (b === 0x24) {
        this.#keep(b);
        this.#state = { kind: 'dollar', tag: Buffer.from(this.#tagOpen).toString('latin1') };
        this.#dollarMatch = 0;
        this.#tagOpen = null;
        return;
      }
      if ((this.#tagOpen.length === 0 ? isIdentStart(b) : isIdentByte(b) && b !== 0x24)) { this.#tagOpen.push(b); this.#keep(b); return; }
      this.#tagOpen = null; // `$1`, or `$` inside an identifier: not a dollar quote
    }
    if (this.#word !== null) {
      if (isIdentByte(b)) {
        if (this.#word.length < 16) this.#word.push(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
      } else {
        this.#endWord();
      }
    } else if (isIdentStart(b) && !isIdentByte(prev) && !(b === 0x24)) {
      this.#word = [b >= 0x41 && b <= 0x5a ? b + 0x20 : b];
    }
    if (b === 0x2d && prev === 0x2d) { this.#state = { kind: 'line-comment' }; this.#uncomment(); return; }
    if (b === 0x2a && prev === 0x2f) { this.#state = { kind: 'block-comment', depth: 1 }; this.#uncomment(); this.#prev = 0; return; }
    if (b === BACKSLASH) { this.#state = { kind: 'meta' }; return; }
    this.#keep(b);
    if (b === 0x27) {
      this.#state = { kind: 'quote', escapes: prev === 0x45 || prev === 0x65 };
      this.#backslashes = 0;
    } else if (b === 0x22) {
      this.#state = { kind: 'ident' };
    } else if (b === 0x24 && !isIdentByte(prev)) {
      this.#tagOpen = [];
    } else if (b === 0x28) {
      this.#paren++;
    } else if (b === 0x29) {
      if (this.#paren > 0) this.#paren--;
    } else if (b === 0x3b && this.#paren === 0 && this.#begin === 0) {
      const copy = !this.#stmtLong && /^\s*COPY\b[\s\S]*\bFROM\s+stdin\s*;$/i.test(Buffer.from(this.#stmt).toString('latin1'));
      this.#endStatement();
      if (copy) { this.#state = { kind: 'copy' }; this.#copyLine = []; this.#backslashes = 0; }
      return;
    }
    if (b !== 0x20 && b !== NL && b !== 0x09 && b !== 0x0d) this.#stmtHasContent = true;
  }

  /** Text that makes psql fail wherever the script was cut (see the module comment). */
  abortTrailer(reason: string): string {
    const parts: string[] = [];
    const s = this.#state;
    if (s.kind === 'copy') {
      // An odd backslash at the cut would escape ours; `\.` followed by text is an error in a COPY row
      // (end-of-copy marker corrupt / not alone on its line); the `\.` line then ends psql's COPY.
      if (this.#backslashes % 2 === 1) parts.push('\\');
      parts.push('\\.pgvault: restore aborted\n\\.\n');
    } else {
      // An identifier at the cut ends there for psql too (the trailer starts with a space or a newline).
      if (s.kind === 'normal' && this.#word !== null) this.#endWord();
      if (this.#tagOpen !== null) parts.push(' ');
      if (s.kind === 'line-comment' || s.kind === 'meta') parts.push('\n');
      else if (s.kind === 'block-comment') parts.push(' */'.repeat(s.depth));
      else if (s.kind === 'quote') parts.push(s.escapes && this.#backslashes % 2 === 1 ? "\\'" : "'");
      else if (s.kind === 'ident') parts.push('"');
      else if (s.kind === 'dollar') parts.push(`$${s.tag}$`);
      if (this.#stmtHasContent || s.kind === 'quote' || s.kind === 'ident' || s.kind === 'dollar') {
        parts.push('\n $1', ')'.repeat(this.#paren), ';', this.#begin > 0 ? `${' END'.repeat(this.#begin)};` : '', '\n');
      } else if (this.#prev !== NL) {
        parts.push('\n');
      }
    }
    const msg = `pgvault: the restore stream was cut (${reason.replace(/[\r\n]+/g, ' ')}); the database is INCOMPLETE. Do not use it.`.replace(/'/g, "''");
    parts.push(`DO $pgvault_abort$ BEGIN RAISE EXCEPTION '%', '${msg}'; END $pgvault_abort$;\n`);
    parts.push('SELECT pg_catalog.pg_terminate_backend(pg_catalog.pg_backend_pid());\n');
    return parts.join('');
  }
}
