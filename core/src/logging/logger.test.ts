import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskUrlPassword } from './logger.ts';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n') };
}

describe('the logger', () => {
  it('never writes credentials from requests or named secret fields', () => {
    const { stream, lines } = capture();
    const logger = createLogger('info', stream);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer abc123', cookie: 'session=s3cr3t', accept: 'text/html' } },
        password: 'hunter2',
        settings: { token: 'ghp_leak', apiKey: 'sk-leak', value: 'plain' },
      },
      'request',
    );
    const line = lines()[0] ?? '';
    for (const secret of ['abc123', 's3cr3t', 'hunter2', 'ghp_leak', 'sk-leak', 'plain']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('text/html');
    expect(line).toContain('[redacted]');
  });

  it('masks the password of a connection URL', () => {
    expect(maskUrlPassword('postgres://talon:pw@db:5432/talon')).toBe('postgres://talon:*****@db:5432/talon');
    expect(maskUrlPassword('postgres://db:5432/talon')).toBe('postgres://db:5432/talon');
  });
});
