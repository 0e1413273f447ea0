/**
 * A small JSON-with-comments reader for the configuration file: standard JSON plus `//` and `/* *\/`
 * comments and trailing commas. Besides the value it records the line of every key, so validation
 * errors can say "databases[1].port (line 14)". Duplicate keys are errors (JSON.parse silently keeps
 * the last one, which hides typos in a file that guards backups).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface ParsedJsonc {
  value: JsonValue;
  /** Line (1-based) where each path starts: "" for the root, "repository.bucket", "databases[0].name". */
  lines: Map<string, number>;
}

export class JsoncSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(`${message} at line ${line}, column ${column}`);
    this.line = line;
    this.column = column;
  }
}

/** Path of a child: `a.b`, `a[3]`; keys that are not identifiers are quoted: `a["x y"]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Deeper nesting is a syntax error (a configuration needs 4 levels; recursion must not exhaust the stack). */
export const MAX_JSONC_DEPTH = 64;

export function parseJsonc(text: string): ParsedJsonc {
  const lines = new Map<string, number>();
  let pos = 0;
  let depth = 0;
  if (text.charCodeAt(0) === 0xfeff) pos = 1;

  const where = (at: number): { line: number; column: number } => {
    let line = 1;
    let lastNl = -1;
    for (let i = 0; i < at && i < text.length; i++) if (text[i] === '\n') { line++; lastNl = i; }
    return { line, column: at - lastNl };
  };
  const fail = (message: string, at = pos): never => {
    const w = where(at);
    throw new JsoncSyntaxError(message, w.line, w.column);
  };

  const skip = (): void => {
    for (;;) {
      const c = text[pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { pos++; continue; }
      if (c === '/' && text[pos + 1] === '/') {
        while (pos < text.length && text[pos] !== '\n') pos++;
        continue;
      }
      if (c === '/' && text[pos + 1] === '*') {
        const end = text.indexOf('*/', pos + 2);
        if (end === -1) fail('unterminated /* comment');
        pos = end + 2;
        continue;
      }
      return;
    }
  };

  const describe = (at: number): string => (at >= text.length ? 'end of file' : `"${text[at]}"`);

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text[pos]!;
      if (c === '"') { pos++; return out; }
      if (c === '\n') fail('line break inside a string (write \\n)', pos);
      if (c === '\\') {
        const e = text[pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) { out += simple[e]; pos += 2; continue; }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
          continue;
        }
        fail('invalid escape in string', pos);
      }
      out += c;
      pos++;
    }
  };

  const parseValue = (path: string): JsonValue => {
    skip();
    lines.set(path, where(pos).line);
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (++depth > MAX_JSONC_DEPTH) fail(`nested deeper than ${MAX_JSONC_DEPTH} levels`);
      const v = c === '{' ? parseObject(path) : parseArray(path);
      depth--;
      return v;
    }
    if (c === '"') return parseString();
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 64));
    if (m && m[0] !== '' && m[0] !== '-') { pos += m[0].length; return Number(m[0]); }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) { pos += word.length; return v; }
    }
    if (c === "'") fail('strings use double quotes (")');
    return fail(`expected a value, found ${describe(pos)}`);
  };

  const parseObject = (path: string): JsonValue => {
    pos++;
    const obj: { [key: string]: JsonValue } = {};
    for (;;) {
      skip();
      if (text[pos] === '}') { pos++; return obj; }
      if (text[pos] !== '"') fail(`expected a quoted key or "}", found ${describe(pos)}`);
      const keyAt = pos;
      const key = parseString();
      if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key "${key}"`, keyAt);
      const child = childPath(path, key);
      skip();
      if (text[pos] !== ':') fail(`expected ":" after key "${key}", found ${describe(pos)}`);
      pos++;
      const keyLine = where(keyAt).line;
      const v = parseValue(child);
      lines.set(child, keyLine);
      Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
      skip();
      if (text[pos] === ',') { pos++; continue; }
      if (text[pos] === '}') { pos++; return obj; }
      fail(`expected "," or "}" after the value of "${key}", found ${describe(pos)}`);
    }
  };

  const parseArray = (path: string): JsonValue => {
    pos++;
    const arr: JsonValue[] = [];
    for (;;) {
      skip();
      if (text[pos] === ']') { pos++; return arr; }
      arr.push(parseValue(childPath(path, arr.length)));
      skip();
      if (text[pos] === ',') { pos++; continue; }
      if (text[pos] === ']') { pos++; return arr; }
      fail(`expected "," or "]" in a list, found ${describe(pos)}`);
    }
  };

  skip();
  if (pos >= text.length) fail('the file is empty (expected a { ... } object)');
  const value = parseValue('');
  skip();
  if (pos < text.length) fail(`unexpected ${describe(pos)} after the end of the configuration`);
  return { value, lines };
}
