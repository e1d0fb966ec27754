import { CronExpressionParser } from 'cron-parser';

/** Occurrences of a cron expression in (after, until], oldest first, at most `limit` (newest kept). */
export function occurrencesBetween(
  cron: string,
  timezone: string,
  after: Date,
  until: Date,
  limit = 1_000,
): Date[] {
  const found: Date[] = [];
  // prev() answers strictly before its reference: start one millisecond past `until`, walk back.
  const interval = CronExpressionParser.parse(cron, {
    tz: timezone,
    strict: false,
    currentDate: new Date(until.getTime() + 1),
  });
  while (found.length < limit) {
    const occurrence = interval.prev().toDate();
    if (occurrence.getTime() <= after.getTime()) break;
    found.push(occurrence);
  }
  return found.reverse();
}

/** The latest occurrence at or before `at`. */
export function latestOccurrence(cron: string, timezone: string, at: Date): Date {
  const interval = CronExpressionParser.parse(cron, {
    tz: timezone,
    strict: false,
    currentDate: new Date(at.getTime() + 1),
  });
  return interval.prev().toDate();
}
