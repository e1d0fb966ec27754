import { describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../../gateway/gateway.ts';
import { shellJailProbe } from './shell-jail.ts';
import { sidecarProbe } from './sidecar.ts';
import { telegramProbe } from './telegram.ts';

const gateway = (status: Partial<GatewayStatus>) => ({
  status: async (): Promise<GatewayStatus> => ({
    state: 'connected',
    mode: 'polling',
    node: 'node-a',
    bot: { id: 1, username: 'talon_bot' },
    chatIdSet: true,
    activeNode: 'node-a',
    lastUpdateAt: null,
    lastError: null,
    webhookUrl: null,
    dropped: {},
    ...status,
  }),
});

describe('the health of Telegram', () => {
  it('says which node polls', async () => {
    expect(await telegramProbe(gateway({})).probe()).toEqual({
      state: 'ok',
      detail: '@talon_bot, connected; this node (node-a) polls',
    });
    expect((await telegramProbe(gateway({ activeNode: 'node-b' })).probe()).detail).toContain(
      'node node-b polls',
    );
  });

  it('is down with the reason when the token is refused, off when not set up', async () => {
    const refused = await telegramProbe(
      gateway({ state: 'bad_token', bot: null, activeNode: null, lastError: 'Unauthorized' }),
    ).probe();
    expect(refused).toEqual({ state: 'down', detail: 'bad token; no node polls; last error: Unauthorized' });
    expect((await telegramProbe(gateway({ state: 'not_configured' })).probe()).state).toBe('off');
  });
});

describe('the health of the browser sidecar', () => {
  const automation = (
    enabled: boolean,
    state: 'running' | 'waiting_to_restart',
    lastError: string | null,
  ) => ({
    status: () => ({
      enabled,
      sidecar: { state, url: 'http://127.0.0.1:6901', pid: 42, restarts: 2, lastError },
    }),
  });

  it('is off while automation is off, down while it waits to restart, with the last error', async () => {
    expect((await sidecarProbe(automation(false, 'running', null)).probe()).state).toBe('off');
    expect(await sidecarProbe(automation(true, 'waiting_to_restart', 'Chromium exited')).probe()).toEqual({
      state: 'down',
      detail: 'waiting to restart (pid 42); restarted 2 time(s); last error: Chromium exited',
    });
    expect((await sidecarProbe(automation(true, 'running', null)).probe()).state).toBe('ok');
  });
});

describe('the health of the shell’s jail', () => {
  const up = { up: true, detail: 'checked: commands run as nobody in their own namespaces' };
  const missing = { up: false, detail: 'bubblewrap (bwrap) was not found' };
  it('is off while the shell is off, saying whether it could run; down when on without a jail', async () => {
    expect(await shellJailProbe({ enabled: () => false, jail: () => missing }).probe()).toEqual({
      state: 'off',
      detail: 'shell.enabled is off; isolation not available: bubblewrap (bwrap) was not found',
    });
    expect(await shellJailProbe({ enabled: () => true, jail: () => missing }).probe()).toEqual({
      state: 'down',
      detail: 'every command is refused: bubblewrap (bwrap) was not found',
    });
    expect((await shellJailProbe({ enabled: () => true, jail: () => up }).probe()).state).toBe('ok');
  });
});
