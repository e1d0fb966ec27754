import { TalonError } from '@talon/skill-runtime/errors.ts';

export { errorMessage } from '@talon/skill-runtime/errors.ts';

/**
 * The sidecar's typed error: Talon's own (a stable machine-readable code and the HTTP status to
 * answer with), mapped to a response once (server/error-handler.ts), so the core can pass `code`
 * and `message` on to the owner unchanged.
 */
export class SidecarError extends TalonError {}

/** The environment is malformed; the message names the variable and what is wrong. */
export class ConfigError extends SidecarError {
  constructor(message: string, options?: ErrorOptions) {
    super('config_invalid', message, 500, options);
  }
}
