import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { whyWorkerUserCannotRun } from './worker-user.ts';

const NOBODY = { uid: 65534, gid: 65534 };
const root = mkdtempSync(path.join(tmpdir(), 'talon-worker-user-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(folderMode: number, fileMode: number): string {
  const folder = mkdtempSync(path.join(root, 'f-'));
  mkdirSync(path.join(folder, 'bin'));
  const target = path.join(folder, 'bin', 'node');
  writeFileSync(target, '#!/bin/sh\n');
  chmodSync(target, fileMode);
  chmodSync(folder, folderMode);
  return target;
}

describe('whyWorkerUserCannotRun', () => {
  it('accepts a binary every user can reach and run', () => {
    expect(whyWorkerUserCannotRun(NOBODY, file(0o755, 0o755), true)).toBeUndefined();
  });

  it('names the folder that other users cannot enter (Node installed under /root, say)', () => {
    const target = file(0o700, 0o755);
    expect(whyWorkerUserCannotRun(NOBODY, target, true)).toBe(
      `${path.dirname(path.dirname(target))} is not searchable by other users`,
    );
  });

  it('names a file other users cannot read or run', () => {
    const target = file(0o755, 0o700);
    expect(whyWorkerUserCannotRun(NOBODY, target, true)).toBe(`${target} is not executable by other users`);
    expect(whyWorkerUserCannotRun(NOBODY, file(0o755, 0o600), false)).toMatch(
      /is not readable by other users$/,
    );
  });
});
