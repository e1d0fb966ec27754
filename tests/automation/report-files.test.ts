import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Api, GrammyError } from 'grammy';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TELEGRAM_DOCUMENT_MAX_BYTES, TELEGRAM_FILES_PER_REPORT } from '@talon/core/automation/limits.ts';
import { sendReplayFiles } from '@talon/core/automation/report-files.ts';
import { replayText } from '@talon/core/automation/report-text.ts';
import type { ReplayReport } from '@talon/core/automation/replay-runner.ts';
import { Outbound } from '@talon/core/gateway/outbound.ts';
import { FakeBotApi } from '../fakes/telegram-bot-api.ts';

// The documents a `/replay` report sends, through the gateway's real outbound (grammY) to the
// fake Bot API on loopback, from files in a run's folder on disk.
const TOKEN = '7000016:AAF-report-files-token_for-the-fake-bot';
const CHAT = '424242916';

let telegram: FakeBotApi;
let outbound: Outbound;
let root: string;
let folder: string;

beforeAll(async () => {
  telegram = await FakeBotApi.start({ token: TOKEN });
  const api = new Api(TOKEN, { apiRoot: telegram.apiRoot });
  outbound = new Outbound(() => api);
  root = mkdtempSync(path.join(tmpdir(), 'talon-report-files-'));
});
afterAll(async () => {
  await telegram?.close();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  folder = mkdtempSync(path.join(root, 'run-'));
});

function keep(name: string, bytes: Buffer): Buffer {
  writeFileSync(path.join(folder, name), bytes);
  return bytes;
}

function send(names: string[]) {
  return sendReplayFiles({
    channel: outbound,
    chatId: CHAT,
    recipe: 'monthly',
    folder,
    files: names.map((name) => ({ name })),
  });
}

function documentsSince(count: number) {
  return telegram.documentsTo(CHAT).slice(count);
}

function reportOf(names: string[]): ReplayReport {
  return {
    runId: '00000000-0000-4000-8000-000000000000',
    recipe: 'monthly',
    status: 'succeeded',
    error: null,
    durationMs: 1_200,
    steps: [],
    downloads: names.map((name) => ({
      kind: 'downloads',
      name,
      bytes: 1,
      sha256: '',
      step: null,
      reason: null,
      url: `/api/automations/runs/x/files/downloads/${name}`,
    })),
    screenshots: [],
    data: [],
    blockedRequests: [],
    notes: [],
  };
}

describe('a replay report’s files on Telegram', () => {
  it('sends each kept download as a document with its very bytes', async () => {
    const before = telegram.documentsTo(CHAT).length;
    const report = keep('report.csv', randomBytes(70_000));
    const invoice = keep('invoice 2026-11.pdf', randomBytes(3_000));
    const statement = keep('relevé; novembre.txt', Buffer.from('solde 42\n'));
    const delivery = await send(['report.csv', 'invoice 2026-11.pdf', 'relevé; novembre.txt']);
    expect(delivery).toEqual({ sent: ['report.csv', 'invoice 2026-11.pdf', 'relevé; novembre.txt'], notSent: [] });
    const [first, second, third] = documentsSince(before);
    expect(first!.bytes.equals(report)).toBe(true);
    expect(first!.document).toMatchObject({ file_name: 'report.csv', mime_type: 'text/csv', file_size: 70_000 });
    expect(first!.caption).toBe('From the replay of monthly');
    expect(second!.bytes.equals(invoice)).toBe(true);
    expect(second!.document.file_name).toBe('invoice 2026-11.pdf');
    // Telegram would cut a name at `;`: it is sent as `_`, the rest as it is.
    expect(third!.document.file_name).toBe('relevé_ novembre.txt');
    expect(third!.bytes.equals(statement)).toBe(true);
  }); // prettier-ignore

  it('names a file over Telegram’s 50 MB (or empty) instead of uploading it, and sends the rest', async () => {
    const before = telegram.documentsTo(CHAT).length;
    const uploadsBefore = telegram.calls.filter((call) => call.method === 'sendDocument').length;
    // Sparse: 50 MB on disk cost nothing; the one over the limit is never read.
    writeFileSync(path.join(folder, 'export.zip'), '');
    truncateSync(path.join(folder, 'export.zip'), TELEGRAM_DOCUMENT_MAX_BYTES + 1);
    writeFileSync(path.join(folder, 'at-the-limit.bin'), '');
    truncateSync(path.join(folder, 'at-the-limit.bin'), TELEGRAM_DOCUMENT_MAX_BYTES);
    keep('empty.csv', Buffer.alloc(0));
    const small = keep('summary.txt', Buffer.from('42 rows\n'));
    const delivery = await send(['export.zip', 'at-the-limit.bin', 'empty.csv', 'summary.txt']);
    expect(delivery.sent).toEqual(['at-the-limit.bin', 'summary.txt']);
    expect(delivery.notSent).toEqual([
      { name: 'export.zip', reason: `${TELEGRAM_DOCUMENT_MAX_BYTES + 1} bytes, over Telegram’s 50 MB limit for a bot` },
      { name: 'empty.csv', reason: 'empty, and Telegram takes no empty file' },
    ]);
    const [atTheLimit, summary] = documentsSince(before);
    expect(atTheLimit!.document.file_size).toBe(TELEGRAM_DOCUMENT_MAX_BYTES);
    expect(summary!.bytes.equals(small)).toBe(true);
    expect(telegram.calls.filter((call) => call.method === 'sendDocument').length - uploadsBefore).toBe(2);

    const text = replayText(reportOf(['export.zip', 'at-the-limit.bin', 'empty.csv', 'summary.txt']), 'https://talon.example.org', 'r-1', delivery);
    expect(text).toContain('Sent above as 2 documents: at-the-limit.bin, summary.txt');
    expect(text).toContain(
      `Not sent here — get them from the admin (link below):\n• export.zip: ${delivery.notSent[0]!.reason}\n• empty.csv: ${delivery.notSent[1]!.reason}`,
    );
    expect(text).toContain('Files and screenshots: https://talon.example.org/automations/recipes/r-1');
  }); // prettier-ignore

  it(`sends at most ${TELEGRAM_FILES_PER_REPORT} files with one report and names the others`, async () => {
    const before = telegram.documentsTo(CHAT).length;
    const names = Array.from({ length: TELEGRAM_FILES_PER_REPORT + 2 }, (_, index) => `page-${index + 1}.csv`);
    for (const name of names) keep(name, Buffer.from(`${name}\n`));
    const delivery = await send(names);
    expect(delivery.sent).toEqual(names.slice(0, TELEGRAM_FILES_PER_REPORT));
    expect(delivery.notSent).toEqual(
      names.slice(TELEGRAM_FILES_PER_REPORT).map((name) => ({
        name,
        reason: `only ${TELEGRAM_FILES_PER_REPORT} files are sent with one report`,
      })),
    );
    expect(documentsSince(before).map((sent) => sent.document.file_name)).toEqual(names.slice(0, TELEGRAM_FILES_PER_REPORT));
  }); // prettier-ignore

  it('never sends a file from outside the run’s folder: not through a link, not by a path in the name', async () => {
    const before = telegram.documentsTo(CHAT).length;
    const outside = path.join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.txt'), 'not for the chat');
    symlinkSync(path.join(outside, 'secret.txt'), path.join(folder, 'linked.csv'));
    mkdirSync(path.join(folder, 'a-folder.csv'));
    const delivery = await send(['linked.csv', '../outside/secret.txt', 'a-folder.csv', 'gone.csv']);
    expect(delivery.sent).toEqual([]);
    expect(delivery.notSent).toEqual([
      { name: 'linked.csv', reason: 'not a regular file' },
      { name: '../outside/secret.txt', reason: 'not a file name a replay keeps' },
      { name: 'a-folder.csv', reason: 'not a regular file' },
      { name: 'gone.csv', reason: 'no longer kept (removed within the recipe’s file quota)' },
    ]);
    expect(documentsSince(before)).toEqual([]);
  });

  it('a failed upload is named in the report and the next file still goes', async () => {
    const before = telegram.documentsTo(CHAT).length;
    keep('first.csv', Buffer.from('a,b\n'));
    const second = keep('second.csv', Buffer.from('c,d\n'));
    telegram.failNext('sendDocument', 502, 'Bad Gateway');
    const delivery = await send(['first.csv', 'second.csv']);
    expect(delivery.sent).toEqual(['second.csv']);
    expect(delivery.notSent).toHaveLength(1);
    expect(delivery.notSent[0]!.name).toBe('first.csv');
    expect(delivery.notSent[0]!.reason).toMatch(/^the upload failed: .*502.*Bad Gateway/);
    expect(documentsSince(before).map((sent) => sent.bytes)).toEqual([second]);

    const text = replayText(reportOf(['first.csv', 'second.csv']), '', 'r-2', delivery);
    expect(text).toContain(`• first.csv: ${delivery.notSent[0]!.reason}`);
    expect(text).toContain('Files and screenshots: /automations/recipes/r-2 on the admin');
  });
});

describe('the fake Bot API’s sendDocument', () => {
  it('refuses an upload over 50 MB as Telegram does (413 Request Entity Too Large) and keeps nothing', async () => {
    const before = telegram.documents.length;
    async function* zeros(): AsyncIterable<Uint8Array> {
      const chunk = Buffer.alloc(1024 * 1024);
      for (let sent = 0; sent <= TELEGRAM_DOCUMENT_MAX_BYTES; sent += chunk.length) yield chunk;
    }
    const upload = outbound.sendDocument(CHAT, { fileName: 'huge.bin', content: zeros() });
    await expect(upload).rejects.toBeInstanceOf(GrammyError);
    await expect(upload).rejects.toMatchObject({ error_code: 413, description: 'Request Entity Too Large' });
    expect(telegram.documents.length).toBe(before);
  });

  it('answers 400 for an empty file and for a document that is neither uploaded nor known', async () => {
    await expect(outbound.sendDocument(CHAT, { fileName: 'empty.csv', content: new Uint8Array(0) })).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: file must be non-empty',
    });
    const response = await fetch(`${telegram.apiRoot}/bot${TOKEN}/sendDocument`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chat_id: CHAT, document: 'no-such-file-id' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: wrong file identifier/HTTP URL specified',
    });
  }); // prettier-ignore
});
