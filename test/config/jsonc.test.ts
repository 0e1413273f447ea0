import { ConfigError } from '../../src/errors.js';
import { parseConfigText } from '../../src/config/load.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonc, JsoncSyntaxError } from '../../src/config/jsonc.js';

test('comments, trailing commas and key lines', () => {
  const text = [
    '// pgvault configuration',        // 1
    '{',                                // 2
    '  /* block',                       // 3
    '     comment */ "a": 1,',          // 4
    '  "b": { "c": [true, null, "x // not a comment",], },', // 5
    '  "url": "postgres://u@h/d", // trailing',             // 6
    '}',
  ].join('\n');
  const { value, lines } = parseJsonc(text);
  assert.deepEqual(value, { a: 1, b: { c: [true, null, 'x // not a comment'] }, url: 'postgres://u@h/d' });
  assert.equal(lines.get('a'), 4);
  assert.equal(lines.get('b.c'), 5);
  assert.equal(lines.get('b.c[2]'), 5);
  assert.equal(lines.get('url'), 6);
});

test('numbers, escapes and quoted paths', () => {
  const { value, lines } = parseJsonc('{"n": -1.5e2, "s": "a\\n\\u0041\\"", "odd key": {"x": 0}}');
  assert.deepEqual(value, { n: -150, s: 'a\nA"', 'odd key': { x: 0 } });
  assert.equal(lines.get('["odd key"].x'), 1);
});

for (const [name, text, line, fragment] of [
  ['missing comma', '{\n  "a": 1\n  "b": 2\n}', 3, 'expected "," or "}"'],
  ['single quotes', "{\n 'a': 1 }", 2, 'expected a quoted key'],
  ['unterminated string', '{\n"a": "x\n}', 2, 'line break inside a string'],
  ['unterminated comment', '{ /* x\n\n', 1, 'unterminated /* comment'],
  ['duplicate key', '{\n"a": 1,\n"a": 2}', 3, 'duplicate key "a"'],
  ['garbage after', '{}\n\nx', 3, 'after the end'],
  ['empty', '  // nothing\n', 2, 'empty'],
  ['bare word', '{"a": yes}', 1, 'expected a value'],
] as const) {
  test(`syntax error: ${name} names the line`, () => {
    assert.throws(() => parseJsonc(text), (e: unknown) => {
      assert.ok(e instanceof JsoncSyntaxError, String(e));
      assert.equal(e.line, line, e.message);
      assert.match(e.message, new RegExp(fragment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return true;
    });
  });
}

test('a configuration nested 100 000 levels deep is a clear configuration error, not a crash', () => {
  const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
  assert.throws(() => parseJsonc(deep), /nested deeper than 64 levels at line 1, column 321/);
  assert.throws(() => parseConfigText('['.repeat(100_000), '/etc/pgvault/deep.jsonc'),
    (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && /deep\.jsonc is not valid JSON: nested deeper than 64 levels/.test(e.message));
  // 64 levels are fine.
  assert.doesNotThrow(() => parseJsonc('['.repeat(64) + ']'.repeat(64)));
});
