import type { DoctorCheck } from '../doctor.ts';

const CHECK = 'sandbox.wall';

/** The second wall around skill workers (namespaces): what an isolate escape would still hit. */
export const sandboxWallCheck: DoctorCheck = {
  id: CHECK,
  title: 'the second wall around skill workers',
  async run({ wall }) {
    const status = await wall();
    if (status.up) {
      return [
        {
          check: CHECK,
          severity: 'info',
          title: 'Skill workers run behind the second wall',
          detail: status.detail,
        },
      ];
    }
    return [
      {
        check: CHECK,
        severity: 'critical',
        title: 'Skill workers run without the second wall',
        detail: `${status.detail}. A skill that escaped its isolate could reach the network and read what the worker's user can read.`,
        fix: 'Install bubblewrap (Debian: apt-get install bubblewrap), allow unprivileged user namespaces, and restart Talon',
      },
    ];
  },
};
