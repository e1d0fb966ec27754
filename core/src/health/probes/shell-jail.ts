import type { JailStatus } from '../../shell/jail.ts';
import type { HealthProbe } from '../component-health.ts';

/**
 * The shell's jail on this node. With the shell off nothing runs, so a missing jail is only worth
 * knowing (`off`, with what was found); with it on, a jail that failed its check means every command
 * is refused (`down`).
 */
export function shellJailProbe(shell: { enabled(): boolean; jail(): JailStatus }): HealthProbe {
  return {
    id: 'shell.jail',
    label: 'Shell isolation',
    probe: async () => {
      const jail = shell.jail();
      if (!shell.enabled()) {
        return {
          state: 'off',
          detail: `shell.enabled is off; isolation ${jail.up ? 'checked' : 'not available'}: ${jail.detail}`,
        };
      }
      return jail.up
        ? { state: 'ok', detail: jail.detail }
        : { state: 'down', detail: `every command is refused: ${jail.detail}` };
    },
  };
}
