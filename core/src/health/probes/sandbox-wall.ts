import type { WallStatus } from '@talon/skill-runtime/sandbox/wall.ts';
import type { HealthProbe } from '../component-health.ts';

export function sandboxWallProbe(wall: () => Promise<WallStatus>): HealthProbe {
  return {
    id: 'sandbox.wall',
    label: 'Skill sandbox',
    probe: async () => {
      const status = await wall();
      return { state: status.up ? 'ok' : 'degraded', detail: status.detail };
    },
  };
}
