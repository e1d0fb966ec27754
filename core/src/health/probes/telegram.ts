import type { TelegramGateway } from '../../gateway/gateway.ts';
import type { ComponentState, HealthProbe } from '../component-health.ts';

/** Telegram: the connection of this node, and which node holds the poller lease. */
export function telegramProbe(gateway: Pick<TelegramGateway, 'status'>): HealthProbe {
  return {
    id: 'telegram',
    label: 'Telegram',
    probe: async () => {
      const status = await gateway.status();
      const holder =
        status.activeNode === null
          ? 'no node polls'
          : status.activeNode === status.node
            ? `this node (${status.node}) ${status.mode === 'webhook' ? 'delivers' : 'polls'}`
            : `node ${status.activeNode} ${status.mode === 'webhook' ? 'delivers' : 'polls'}`;
      const states: Record<string, ComponentState> = {
        connected: 'ok',
        connecting: 'degraded',
        disabled: 'off',
        not_configured: 'off',
        stopped: 'off',
      };
      const state = states[status.state] ?? 'down';
      const error = status.lastError ? `; last error: ${status.lastError}` : '';
      const bot = status.bot ? `@${status.bot.username}, ` : '';
      return { state, detail: `${bot}${status.state.replaceAll('_', ' ')}; ${holder}${error}` };
    },
  };
}
