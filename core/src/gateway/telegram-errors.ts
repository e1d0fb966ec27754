import { GrammyError } from 'grammy';
import { errorMessage } from '../errors.ts';

/** Telegram's answers that mean "this token is not a bot's" (401; 404 for a malformed one). */
export function isBadToken(error: unknown): boolean {
  return error instanceof GrammyError && (error.error_code === 401 || error.error_code === 404);
}

/** What a failed call says, without the token (grammY puts the URL, token included, in some messages). */
export function describeTelegramError(error: unknown, token: string): string {
  const text =
    error instanceof GrammyError ? `${error.error_code} ${error.description}` : errorMessage(error);
  return token === '' ? text : text.split(token).join('***');
}
