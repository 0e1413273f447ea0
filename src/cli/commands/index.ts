import type { Command } from 'commander';
import { addGlobalOptions } from '../globals.js';
import { register as backup } from './backup.js';
import { register as bench } from './bench.js';
import { register as check } from './check.js';
import { register as diff } from './diff.js';
import { register as doctor } from './doctor.js';
import { register as dump } from './dump.js';
import { register as forget } from './forget.js';
import { register as init } from './init.js';
import { register as key } from './key.js';
import { register as prune } from './prune.js';
import { register as restore } from './restore.js';
import { register as run } from './run.js';
import { register as showGlobals } from './show-globals.js';
import { register as snapshots } from './snapshots.js';
import { register as stats } from './stats.js';
import { register as unlock } from './unlock.js';
import { register as verify } from './verify.js';

/** Every command module exports a `register(program)`; add new ones here. */
export function registerCommands(program: Command): void {
  addGlobalOptions(program);
  init(program);
  key(program);
  backup(program);
  snapshots(program);
  restore(program);
  showGlobals(program);
  verify(program);
  diff(program);
  stats(program);
  forget(program);
  prune(program);
  check(program);
  unlock(program);
  run(program);
  doctor(program);
  dump(program);
  bench(program);
}
