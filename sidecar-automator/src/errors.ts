/**
 * The sidecar's typed error: a stable machine-readable code and the HTTP status to answer with,
 * mapped to a response once (server/error-handler.ts). Same shape as Talon's TalonError, so the
 * core can pass `code` and `message` on to the owner unchanged.
 */
export class SidecarError extends Error {
  readonly code: string;
  readonly statusCode: number;

  constructor(code: string, message: string, statusCode = 500, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
  }
}

/** The environment is malformed; the message names the variable and what is wrong. */
export class ConfigError extends SidecarError {
  constructor(message: string, options?: ErrorOptions) {
    super('config_invalid', message, 500, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
