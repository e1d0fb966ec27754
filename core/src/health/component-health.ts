import { errorMessage } from '../errors.ts';

/** How a part of Talon is doing: working, working with trouble, not working, or switched off. */
export type ComponentState = 'ok' | 'degraded' | 'down' | 'off';

export interface ComponentHealth {
  id: string;
  label: string;
  state: ComponentState;
  /** One line a person can act on: what was seen, which node, what is wrong. */
  detail: string;
}

/**
 * One part of Talon the dashboard shows the health of. A domain adds a probe as a file in
 * `probes/` and boot.ts puts it in the list it hands the app (the probe needs that domain's running
 * service, so the list is built where the services are).
 */
export interface HealthProbe {
  id: string;
  label: string;
  probe(): Promise<{ state: ComponentState; detail: string }>;
}

/** A probe that does not answer within this long is shown as down (milliseconds). */
export const PROBE_TIMEOUT_MS = 3_000;

/** Every probe at once, each bounded in time; a probe that throws or hangs is `down` with the reason. */
export async function probeAll(probes: readonly HealthProbe[]): Promise<ComponentHealth[]> {
  return Promise.all(
    probes.map(async (probe) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<{ state: ComponentState; detail: string }>((resolve) => {
        timer = setTimeout(
          () => resolve({ state: 'down', detail: `no answer within ${PROBE_TIMEOUT_MS / 1000} s` }),
          PROBE_TIMEOUT_MS,
        );
      });
      try {
        const result = await Promise.race([
          probe.probe().catch((error: unknown) => ({ state: 'down' as const, detail: errorMessage(error) })),
          timeout,
        ]);
        return { id: probe.id, label: probe.label, ...result };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
