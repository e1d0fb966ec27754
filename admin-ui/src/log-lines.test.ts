import { describe, expect, it } from 'vitest';
import { showLogLine } from './log-lines.ts';

describe('a log line on the Logs screen', () => {
  it("shows the message and the fields a person wants, not pino's own", () => {
    const line = JSON.stringify({
      level: 40,
      time: '2026-03-10T12:00:00.000Z',
      pid: 42,
      hostname: 'box',
      app: 'talon',
      msg: 'could not renew the Telegram lease',
      reason: 'timeout',
      breaker: { skill: 'rss_fetch', to: 'open' },
    });
    expect(showLogLine(line)).toEqual({
      message: 'could not renew the Telegram lease',
      fields: 'reason=timeout breaker={"skill":"rss_fetch","to":"open"}',
    });
  });

  it('shows a line that is not JSON as it is', () => {
    expect(showLogLine('plain text')).toEqual({ message: 'plain text', fields: '' });
  });
});
