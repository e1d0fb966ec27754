import { readSidecarConfig } from './config.ts';
import { errorMessage } from './errors.ts';
import { createLogger } from './logger.ts';
import { createSidecar } from './server/sidecar.ts';

/**
 * `node sidecar-automator/src/main.ts`: reads the environment once, starts, and stops cleanly on
 * SIGTERM or SIGINT (recordings and browsers closed, the runtime folder removed).
 */
async function main(): Promise<void> {
  const config = readSidecarConfig(process.env);
  // Nothing started from here on may inherit the token.
  delete process.env['SIDECAR_TOKEN'];
  const logger = createLogger(config.logLevel);
  const sidecar = await createSidecar(config, logger);
  const url = await sidecar.listen();
  logger.info({ url, isolation: config.isolation, dataDir: config.dataDir }, 'sidecar listening');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    sidecar.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: errorMessage(error) }, 'could not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`talon-sidecar: ${errorMessage(error)}`);
  process.exit(1);
});
