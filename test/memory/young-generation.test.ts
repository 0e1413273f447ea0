import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { numberFromChild } from '../helpers/child-number.js';
import { MAX_SEMI_SPACE_BYTES } from '../../src/memory/young-generation.js';

const MODULE = pathToFileURL(join(import.meta.dirname, '../../src/memory/young-generation.ts')).href;

/**
 * A child process streams objects of which one in twenty survives a while (as buffers in flight do), yielding to the
 * event loop as a stream does, and reports the largest young generation it saw. Deterministic: V8 grows the young
 * generation from the survivors' byte count, not from time.
 */
function largestYoungGeneration(cap: boolean, workerAt = -1): number {
  const script = `
    import { Worker } from 'node:worker_threads';
    import { capYoungGeneration, youngGenerationBytes } from ${JSON.stringify(MODULE)};
    if (${cap}) capYoungGeneration();
    const keep = [];
    let largest = 0;
    for (let round = 0; round < 300; round++) {
      for (let i = 0; i < 10000; i++) {
        const o = { a: i, b: 'x' + i, c: [i, i + 1] };
        if (i % 20 === 0) { keep.push(o); if (keep.length > 5000) keep.shift(); }
      }
      largest = Math.max(largest, youngGenerationBytes());
      if (round === ${workerAt}) {
        // Starting a worker thread puts V8's flags back to their start-up values.
        const w = new Worker('0', { eval: true, execArgv: [] });
        await new Promise((resolve) => w.on('exit', resolve));
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    process.stdout.write(String(largest));
  `;
  return numberFromChild(script);
}

test('without the ceiling the young generation grows past it (the control: this workload does grow it)', () => {
  assert.ok(largestYoungGeneration(false) > 2 * MAX_SEMI_SPACE_BYTES);
});

test('with the ceiling it stops growing at it', () => {
  const largest = largestYoungGeneration(true);
  assert.ok(largest > 0, 'V8 reports a young generation');
  assert.ok(largest <= 2 * MAX_SEMI_SPACE_BYTES, `young generation ${largest / 1048576} MiB, ceiling ${2 * MAX_SEMI_SPACE_BYTES / 1048576} MiB`);
});

test('it stays stopped after a worker thread starts (which resets V8\'s flags)', () => {
  const largest = largestYoungGeneration(true, 100);
  assert.ok(largest <= 2 * MAX_SEMI_SPACE_BYTES, `young generation ${largest / 1048576} MiB, ceiling ${2 * MAX_SEMI_SPACE_BYTES / 1048576} MiB`);
});
