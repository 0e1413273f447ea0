import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { numberFromChild } from '../helpers/child-number.js';
import { MAX_SEMI_SPACE_BYTES } from '../../src/memory/young-generation.js';

const YOUNG = pathToFileURL(join(import.meta.dirname, '../../src/memory/young-generation.ts')).href;
const FLAGS = pathToFileURL(join(import.meta.dirname, '../../src/memory/v8-flags.ts')).href;

/**
 * A child process caps its young generation, runs a short-lived worker thread (as a backup derives its key in one),
 * then allocates objects many of which survive a scavenge, and reports the largest young generation it saw after the
 * worker. `keep`: the worker is started through keepV8Flags.
 */
/** Rounds of churn at most: 3 fixed rounds left the control without growth once on the CI machine (session 9); here it grows in the first. */
const ROUNDS = 12;

function youngGenerationAfterWorker(keep: boolean): number {
  const script = `
    import { Worker } from 'node:worker_threads';
    import { capYoungGeneration, youngGenerationBytes, youngGenerationCapped } from ${JSON.stringify(YOUNG)};
    import { keepV8Flags } from ${JSON.stringify(FLAGS)};
    capYoungGeneration();
    let keep = [];
    const churn = (n) => {
      for (let i = 0; i < n; i++) {
        keep.push({ a: i, b: [i] });
        if (keep.length > 100000) keep = keep.slice(50000);
      }
    };
    while (!youngGenerationCapped()) { churn(10000); await new Promise((resolve) => setImmediate(resolve)); }
    const w = new Worker('0', { eval: true, execArgv: [] });
    if (${keep}) keepV8Flags(w);
    await new Promise((resolve) => w.once('exit', resolve));
    await new Promise((resolve) => setImmediate(resolve));
    // V8 grows the young generation on its own heuristics (survival rate, allocation speed), so the churn goes on
    // until it has grown past the ceiling (then the answer is known) or for ${ROUNDS} rounds.
    let largest = 0;
    for (let round = 0; round < ${ROUNDS} && largest <= 2 * ${MAX_SEMI_SPACE_BYTES}; round++) {
      churn(3000000);
      largest = Math.max(largest, youngGenerationBytes());
    }
    process.stdout.write(String(largest));
  `;
  return numberFromChild(script);
}

test("the control: a worker thread resets V8's flags, and the young generation grows past its ceiling at once", () => {
  assert.ok(youngGenerationAfterWorker(false) > 2 * MAX_SEMI_SPACE_BYTES);
});

test('keepV8Flags sets the flags again, so the young generation stays at its ceiling', () => {
  const largest = youngGenerationAfterWorker(true);
  assert.ok(largest > 0 && largest <= 2 * MAX_SEMI_SPACE_BYTES, `young generation ${largest / 1048576} MiB, ceiling ${2 * MAX_SEMI_SPACE_BYTES / 1048576} MiB`);
});
