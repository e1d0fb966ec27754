import type { WallStatus } from '@talon/skill-runtime/sandbox/wall.ts';
import type { Announcements } from '../announcements/announcements.ts';
import type { Logger } from '../logging/logger.ts';

/**
 * Says at start whether the second wall around skill workers stands: in the log (loudly when it
 * does not), to the owner, and (through `sandboxWall`) on the dashboard — never on the public /health.
 */
export async function reportSandboxWall(
  runtime: { wallStatus(): Promise<WallStatus> },
  logger: Logger,
  announcements: Announcements,
): Promise<WallStatus> {
  const status = await runtime.wallStatus();
  if (status.up) {
    logger.info({ sandboxWall: status }, 'skill workers run behind the second wall');
  } else {
    logger.error(
      { sandboxWall: status },
      `SKILL WORKERS RUN WITHOUT THE SECOND WALL: ${status.detail}. A skill that escaped its isolate could reach the network and the host's files as the worker user.`,
    );
    announcements.announce({
      kind: 'sandbox_wall_down',
      text: `Skill workers run without their second wall (namespaces): ${status.detail}`,
    });
  }
  return status;
}
