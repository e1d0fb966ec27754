/**
 * Talon's typed error: thrown with a stable machine-readable code and the HTTP status a caller
 * should answer with; the HTTP edge maps it once (core/src/server/error-handler.ts), and the process
 * entry point prints `message` as a single line. Defined here, in the package every other depends
 * on, so an error of the skill runtime and one of the core are the same kind of thing.
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

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
