/** The `--keep-*` flags (as commander hands them over: strings) → a validated RetentionPolicy. */
import { parseDuration } from './duration.js';
import { parseCount, parseTagList, validatePolicy, type RetentionPolicy } from './policy.js';

export interface PolicyFlags {
  keepLast?: string;
  keepHourly?: string;
  keepDaily?: string;
  keepWeekly?: string;
  keepMonthly?: string;
  keepYearly?: string;
  keepWithin?: string;
  keepWithinHourly?: string;
  keepWithinDaily?: string;
  keepWithinWeekly?: string;
  keepWithinMonthly?: string;
  keepWithinYearly?: string;
  /** Repeatable; each value is a comma-separated list. */
  keepTag?: string[];
}

/** Parse every flag; refuses malformed values. Does NOT refuse an empty policy (planForget decides, knowing --unsafe-allow-remove-all). */
export function policyFromFlags(f: PolicyFlags): RetentionPolicy {
  const p: RetentionPolicy = {};
  if (f.keepLast !== undefined) p.last = parseCount(f.keepLast, '--keep-last');
  if (f.keepHourly !== undefined) p.hourly = parseCount(f.keepHourly, '--keep-hourly');
  if (f.keepDaily !== undefined) p.daily = parseCount(f.keepDaily, '--keep-daily');
  if (f.keepWeekly !== undefined) p.weekly = parseCount(f.keepWeekly, '--keep-weekly');
  if (f.keepMonthly !== undefined) p.monthly = parseCount(f.keepMonthly, '--keep-monthly');
  if (f.keepYearly !== undefined) p.yearly = parseCount(f.keepYearly, '--keep-yearly');
  if (f.keepWithin !== undefined) p.within = parseDuration(f.keepWithin, '--keep-within');
  if (f.keepWithinHourly !== undefined) p.withinHourly = parseDuration(f.keepWithinHourly, '--keep-within-hourly');
  if (f.keepWithinDaily !== undefined) p.withinDaily = parseDuration(f.keepWithinDaily, '--keep-within-daily');
  if (f.keepWithinWeekly !== undefined) p.withinWeekly = parseDuration(f.keepWithinWeekly, '--keep-within-weekly');
  if (f.keepWithinMonthly !== undefined) p.withinMonthly = parseDuration(f.keepWithinMonthly, '--keep-within-monthly');
  if (f.keepWithinYearly !== undefined) p.withinYearly = parseDuration(f.keepWithinYearly, '--keep-within-yearly');
  if (f.keepTag?.length) p.tags = f.keepTag.map(parseTagList);
  validatePolicy(p, { allowEmpty: true });
  return p;
}

/** The restic flag for each PolicyFlags field (for messages, docs and the oracle tests). */
export const POLICY_FLAG_NAMES: Record<keyof PolicyFlags, string> = {
  keepLast: '--keep-last', keepHourly: '--keep-hourly', keepDaily: '--keep-daily', keepWeekly: '--keep-weekly',
  keepMonthly: '--keep-monthly', keepYearly: '--keep-yearly', keepWithin: '--keep-within', keepWithinHourly: '--keep-within-hourly',
  keepWithinDaily: '--keep-within-daily', keepWithinWeekly: '--keep-within-weekly', keepWithinMonthly: '--keep-within-monthly',
  keepWithinYearly: '--keep-within-yearly', keepTag: '--keep-tag',
};
