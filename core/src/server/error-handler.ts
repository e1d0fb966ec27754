import type { FastifyError, FastifyInstance } from 'fastify';
import { AuthError } from '../auth/auth-errors.ts';
import { TalonError } from '../errors.ts';
import type { ErrorBody } from './error-schema.ts';

/** Ajv's words, except that an unknown field is named (ajv only says "additional properties"). */
function describeValidation(error: FastifyError): string {
  const [first] = error.validation ?? [];
  const unknown = first?.keyword === 'additionalProperties' ? first.params['additionalProperty'] : undefined;
  if (typeof unknown !== 'string') return error.message;
  const where = `${error.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
  return `${where} has an unknown field "${unknown.slice(0, 100)}"`;
}

/**
 * The one place errors become HTTP responses, each with the body `ErrorBody` that every route's 4xx
 * and 5xx schema lists (error-schema.ts): typed errors keep their code, status and message;
 * validation errors say what is wrong with the input; anything else is a 500 with no details
 * (the stack goes to the log, never to the client).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | TalonError | Error, request, reply) => {
    if (error instanceof TalonError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
      // Rate-limit denials (AuthError) say when to try again, in the header and the body.
      if (error instanceof AuthError && error.retryAfterSeconds !== undefined) {
        reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.status(error.statusCode).send({
          error: error.code,
          message: error.message,
          retryAfterSeconds: error.retryAfterSeconds,
        } satisfies ErrorBody & { retryAfterSeconds: number });
      }
      return reply
        .status(error.statusCode)
        .send({ error: error.code, message: error.message } satisfies ErrorBody);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      return reply.status(400).send({
        error: 'invalid_request',
        message: `Invalid request: ${describeValidation(fastifyError)}`,
      } satisfies ErrorBody);
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({
        error: fastifyError.code?.toLowerCase() ?? 'bad_request',
        message: fastifyError.message,
      } satisfies ErrorBody);
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply
      .status(500)
      .send({ error: 'internal_error', message: 'Internal server error' } satisfies ErrorBody);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: 'not_found',
      message: `No route for ${request.method} ${request.url.split('?')[0]}`,
    } satisfies ErrorBody),
  );
}
