/** "2 d 3 h", "4 h 12 min", "5 min 3 s", "42 s": the two largest units are enough for a person. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const units: Array<[number, string]> = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'min'],
    [seconds % 60, 's'],
  ];
  const first = units.findIndex(([value]) => value > 0);
  if (first === -1) return '0 s';
  return units
    .slice(first, first + 2)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${value} ${unit}`)
    .join(' ');
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A moment from the API (ms epoch or ISO string) in the reader's own time zone. */
export function formatMoment(moment: number | string): string {
  const date = new Date(moment);
  return Number.isNaN(date.getTime()) ? String(moment) : dateTime.format(date);
}
