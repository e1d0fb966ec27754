/** How the Logs screen shows one pino line: its message, and the rest of its fields. */
export interface ShownLogLine {
  message: string;
  /** Fields other than pino's own (level, time, pid, hostname, app, msg), as `key=value` text. */
  fields: string;
}

const OWN_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg']);

export function showLogLine(line: string): ShownLogLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { message: line, fields: '' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { message: line, fields: '' };
  const record = parsed as Record<string, unknown>;
  const message = typeof record['msg'] === 'string' ? record['msg'] : '';
  const fields = Object.entries(record)
    .filter(([key]) => !OWN_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return { message, fields };
}
