import { TalonError } from '../errors.ts';

/** A denial from the auth layer: a stable code for the admin UI and a message a person can act on. */
export class AuthError extends TalonError {
  /** Seconds until trying again makes sense (sent as Retry-After); only on 429s. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, statusCode: number, retryAfterSeconds?: number) {
    super(code, message, statusCode);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** "in 15 minutes", "in 1 minute", "in 40 seconds". */
export function describeWait(seconds: number): string {
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
}
