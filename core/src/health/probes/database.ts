import { isDatabaseUp, type DatabasePool } from '../../db/pool.ts';
import type { HealthProbe } from '../component-health.ts';

export function databaseProbe(pool: DatabasePool, embedded: boolean): HealthProbe {
  return {
    id: 'database',
    label: 'Database',
    probe: async () => {
      const started = performance.now();
      const up = await isDatabaseUp(pool);
      const ms = Math.round(performance.now() - started);
      const what = embedded ? 'the embedded PostgreSQL' : 'PostgreSQL (DATABASE_URL)';
      return up
        ? { state: 'ok', detail: `${what} answers (${ms} ms)` }
        : { state: 'down', detail: `${what} does not answer` };
    },
  };
}
