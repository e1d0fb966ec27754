import { TalonError } from '@talon/skill-runtime/errors.ts';

// Talon's typed error lives with the skill runtime, which every package depends on.
export { errorMessage, TalonError } from '@talon/skill-runtime/errors.ts';

/** The environment or a setting is malformed; the message names the variable and what is wrong. */
export class ConfigError extends TalonError {
  constructor(message: string, options?: ErrorOptions) {
    super('config_invalid', message, 500, options);
  }
}

/** Start-up cannot go on (database unreachable, wrong SECRET_KEY_BASE, ...). */
export class StartupError extends TalonError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, 500, options);
  }
}
