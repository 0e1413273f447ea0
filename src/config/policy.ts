/** The configuration's "retention" section → the retention engine's policy (src/retention/policy.ts). */
import { parseDuration } from '../retention/duration.js';
import { parseTagList, validatePolicy, type RetentionPolicy } from '../retention/policy.js';
import type { RetentionConfig } from './types.js';

export function policyFor(r: RetentionConfig): RetentionPolicy {
  const p: RetentionPolicy = {};
  if (r.keepLast !== undefined) p.last = r.keepLast;
  if (r.keepHourly !== undefined) p.hourly = r.keepHourly;
  if (r.keepDaily !== undefined) p.daily = r.keepDaily;
  if (r.keepWeekly !== undefined) p.weekly = r.keepWeekly;
  if (r.keepMonthly !== undefined) p.monthly = r.keepMonthly;
  if (r.keepYearly !== undefined) p.yearly = r.keepYearly;
  if (r.keepWithin) p.within = parseDuration(r.keepWithin, 'retention.keep_within');
  if (r.keepWithinHourly) p.withinHourly = parseDuration(r.keepWithinHourly, 'retention.keep_within_hourly');
  if (r.keepWithinDaily) p.withinDaily = parseDuration(r.keepWithinDaily, 'retention.keep_within_daily');
  if (r.keepWithinWeekly) p.withinWeekly = parseDuration(r.keepWithinWeekly, 'retention.keep_within_weekly');
  if (r.keepWithinMonthly) p.withinMonthly = parseDuration(r.keepWithinMonthly, 'retention.keep_within_monthly');
  if (r.keepWithinYearly) p.withinYearly = parseDuration(r.keepWithinYearly, 'retention.keep_within_yearly');
  if (r.keepTags?.length) p.tags = r.keepTags.map(parseTagList);
  validatePolicy(p);
  return p;
}
