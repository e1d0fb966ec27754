/**
 * Typed errors: services throw these with a stable machine-readable code; the HTTP edge maps them once
 * (statusCode + message), and the process entry point prints `message` as a single line.
 */
export class TalonError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode = 500, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
  }
}

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

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
