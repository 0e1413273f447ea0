/**
 * CopyOutStream's protocol parser on hand-built server messages, split at every byte position: the row bytes come
 * out exactly, notices are skipped, and pg gets back exactly the bytes after CopyDone (or from ErrorResponse on).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { CopyOutStream } from '../../src/dump/engine/copy-out.js';

function msg(type: string, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const h = Buffer.alloc(5);
  h[0] = type.charCodeAt(0);
  h.writeUInt32BE(b.length + 4, 1);
  return Buffer.concat([h, b]);
}

const rows = ['1\tfirst row\n', '', '2\t\\N\n', 'x'.repeat(70000) + '\n', '3\ttab\\there\n'];
const stream = Buffer.concat([
  msg('H', Buffer.from([0, 0, 2, 0, 0, 0, 0])),
  msg('d', rows[0]!), msg('d', rows[1]!),
  msg('N', 'SNOTICE\0Mhello\0\0'),
  msg('d', rows[2]!), msg('S', 'TimeZone\0UTC\0'), msg('d', rows[3]!), msg('d', rows[4]!),
  msg('c', ''),
]);
const after = Buffer.concat([msg('C', 'COPY 4\0'), msg('Z', 'T')]);
const expectedRows = Buffer.from(rows.join(''));

/** Feed `input` to a CopyOutStream as socket reads cut at `splits`; `complete`: the input contains CopyDone. */
async function run(input: Buffer, splits: number[], complete: boolean): Promise<{ out: Buffer; handedBack: Buffer }> {
  const sock = new Readable({ read() { /* fed by push */ } });
  const handedBack: Buffer[] = [];
  sock.on('data', (b: Buffer) => handedBack.push(Buffer.from(b))); // pg's parser
  const copy = new CopyOutStream('COPY t TO STDOUT', 16384);
  copy.submit({ stream: sock, query: (): void => undefined } as never);
  const out: Buffer[] = [];
  const reading = (async () => {
    for await (const c of copy) out.push(Buffer.from(c as Buffer));
  })();
  let prev = 0;
  for (const s of [...splits, input.length]) {
    if (s > prev) sock.push(Buffer.from(input.subarray(prev, s)));
    prev = s;
    await tick();
  }
  await tick();
  if (complete) {
    await reading; // ends at CopyDone
  } else {
    copy.handleError(new Error('terminating connection')); // what pg does after parsing the ErrorResponse
    await assert.rejects(reading, /terminating connection/);
  }
  return { out: Buffer.concat(out), handedBack: Buffer.concat(handedBack) };
}

test('CopyData payloads are extracted exactly wherever the socket reads split the messages', { timeout: 60_000 }, async () => {
  const input = Buffer.concat([stream, after]);
  const one = await run(input, [], true);
  assert.ok(one.out.equals(expectedRows));
  assert.ok(one.handedBack.equals(after));
  for (let s = 1; s < stream.length + 3; s += (s < 200 || s > stream.length - 200 ? 1 : 997)) {
    const r = await run(input, [s], true);
    assert.ok(r.out.equals(expectedRows), `split at ${s}`);
    assert.ok(r.handedBack.equals(after), `rest handed back, split at ${s}`);
  }
  const small = Buffer.concat([msg('H', Buffer.from([0, 0, 1, 0, 0])), msg('d', 'a\tb\n'), msg('d', ''), msg('N', 'x\0\0'), msg('d', 'c\n'), msg('c', ''), after]);
  const byteWise = await run(small, Array.from({ length: small.length - 1 }, (_, i) => i + 1), true);
  assert.equal(byteWise.out.toString(), 'a\tb\nc\n');
  assert.ok(byteWise.handedBack.equals(after));
});

test('an ErrorResponse hands everything from it on back to pg, after the rows before it', { timeout: 60_000 }, async () => {
  const err = msg('E', 'SERROR\0C57P01\0Mterminating connection\0\0');
  const input = Buffer.concat([msg('H', Buffer.from([0, 0, 1, 0, 0])), msg('d', 'a\n'), msg('d', 'b\n'), err, msg('Z', 'I')]);
  for (let s = 1; s < input.length; s++) {
    const r = await run(input, [s], false);
    assert.equal(r.out.toString(), 'a\nb\n', `split at ${s}`);
    assert.ok(r.handedBack.equals(input.subarray(input.indexOf(err))), `split at ${s}`);
  }
});
