/**
 * Re-render result files from their JSON (after a change to report.ts): rewrites `<name>.md` and the derived
 * fields of `<name>.json` (comparisons, goals, load warning); the measured rows are left as they are.
 *
 *   npx tsx bench/suite/rerender.ts bench/results/1gb-20261126-0916.json [...]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadWarning } from './machine.js';
import { comparisons, goals, toMarkdown } from './report.js';
import type { SuiteResult } from './suite.js';

for (const f of process.argv.slice(2)) {
  const { comparisons: _c, goals: _g, loadWarning: _w, ...r } = JSON.parse(readFileSync(f, 'utf8')) as SuiteResult & Record<string, unknown>;
  const result = r as SuiteResult;
  writeFileSync(f.replace(/\.json$/, '.md'), toMarkdown(result));
  writeFileSync(f, JSON.stringify({ ...result, comparisons: comparisons(result), goals: goals(result), loadWarning: loadWarning(result.loads.map((l) => l.load)) }, null, 2) + '\n');
}
