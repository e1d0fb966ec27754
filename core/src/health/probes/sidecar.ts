import type { SidecarStatus } from '../../automation/sidecar-supervisor.ts';
import type { ComponentState, HealthProbe } from '../component-health.ts';

/** The browser sidecar as this node's supervisor sees it. */
export function sidecarProbe(automation: {
  status(): { enabled: boolean; sidecar: SidecarStatus };
}): HealthProbe {
  return {
    id: 'sidecar',
    label: 'Browser sidecar',
    probe: async () => {
      const { enabled, sidecar } = automation.status();
      if (!enabled) return { state: 'off', detail: 'web_automator.enabled is off' };
      const states: Record<SidecarStatus['state'], ComponentState> = {
        off: 'off',
        running: 'ok',
        external: 'ok',
        other_node: 'ok',
        starting: 'degraded',
        waiting_to_restart: 'down',
      };
      const where =
        sidecar.state === 'other_node'
          ? 'runs on the node named in web_automator.node'
          : sidecar.state === 'external'
            ? `a sidecar you run, at ${sidecar.url ?? 'web_automator.host'}`
            : `${sidecar.state.replaceAll('_', ' ')}${sidecar.pid === null ? '' : ` (pid ${sidecar.pid})`}`;
      const restarts = sidecar.restarts > 0 ? `; restarted ${sidecar.restarts} time(s)` : '';
      const error = sidecar.lastError ? `; last error: ${sidecar.lastError}` : '';
      return { state: states[sidecar.state], detail: `${where}${restarts}${error}` };
    },
  };
}
