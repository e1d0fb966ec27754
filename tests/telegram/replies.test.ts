import { expect, it } from 'vitest';
import type { CommandGroup } from '@talon/core/gateway/commands/command-table.ts';
import { ask, OWNER } from './support/gateway-harness.ts';
import { useGatewayBed } from './support/gateway-bed.ts';

// Commands a later issue could add (its output is a skill's, i.e. untrusted): one entry each.
const HOSTILE =
  '<a href="https://evil.example">pay here</a> <b>bold</b> *md* [link](https://evil.example) &amp; </pre>';
const LONG_LINES = Array.from({ length: 400 }, (_, i) => `line ${i} `.padEnd(99, 'x')).join('\n');
const extra: CommandGroup = () => [
  { name: 'long', usage: '/long', description: 'a long answer', handle: (ctx) => ctx.reply(LONG_LINES) },
  {
    name: 'oneline',
    usage: '/oneline',
    description: 'one long line',
    handle: (ctx) => ctx.reply('y'.repeat(9000)),
  },
  { name: 'hostile', usage: '/hostile', description: 'hostile output', handle: (ctx) => ctx.reply(HOSTILE) },
  {
    name: 'broken',
    usage: '/broken',
    description: 'a handler that throws',
    handle: () => Promise.reject(new Error('database password is hunter2')),
  },
];

const bed = useGatewayBed([{ extraCommands: [extra] }]);

async function partsOf(command: string) {
  const before = bed.fake.sent.length;
  bed.fake.message({ chatId: OWNER, text: command });
  bed.fake.message({ chatId: OWNER, text: '/ping' });
  const pong = await bed.fake.waitForSent((message) => message.text === 'pong from node-a', {
    since: before,
  });
  return bed.fake.sent.slice(before, bed.fake.sent.indexOf(pong));
}

it('splits long replies on line boundaries into at most 5 messages, then says how much is left', async () => {
  const parts = await partsOf('/long');
  expect(parts).toHaveLength(5);
  for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(4096);
  // Whole lines only: each part ends where a line ended.
  for (const part of parts.slice(0, 4))
    expect(LONG_LINES.split('\n')).toContain(part.text.split('\n').at(-1));
  const shown = parts.map((part) => part.text).join('\n');
  const more = Number(/… \((\d+) more characters, see the admin\)$/.exec(parts[4]!.text)![1]);
  expect(more).toBeGreaterThan(0);
  expect(shown.length - parts[4]!.text.split('\n').at(-1)!.length - 1 + more).toBeGreaterThanOrEqual(
    LONG_LINES.length - 5,
  );
});

it('cuts a single line longer than a message at the limit', async () => {
  const parts = await partsOf('/oneline');
  expect(parts.map((part) => part.text.length)).toEqual([4096, 4096, 808]);
});

it('sends hostile output as plain text: no parse mode, no link preview, byte for byte', async () => {
  const [part] = await partsOf('/hostile');
  expect(part).toMatchObject({ text: HOSTILE });
  expect(part!.parse_mode).toBeUndefined();
  const call = bed.fake.calls
    .filter((entry) => entry.method === 'sendMessage')
    .find((entry) => entry.params['text'] === HOSTILE)!;
  expect(call.params['link_preview_options']).toEqual({ is_disabled: true });
});

it('answers a failing handler with an error id (not the error) and keeps going', async () => {
  const reply = await ask(bed.fake, '/broken');
  expect(reply).toMatch(/^Something went wrong \(error id [0-9a-f]{8}\)\.$/);
  expect(reply).not.toContain('hunter2');
  expect(await ask(bed.fake, '/ping')).toBe('pong from node-a');
});
