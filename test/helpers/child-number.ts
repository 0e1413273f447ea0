/** Run an ES module script in a fresh Node.js (with tsx, so it may import src/*.ts) and read back the number it prints. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function numberFromChild(script: string): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout);
}
