import type { FastifyError, FastifyInstance } from 'fastify';
import { SidecarError } from '../errors.ts';

export interface ErrorBody {
  error: string;
  message: string;
}

/** Ajv's words, except that an unknown field is named (ajv only says "additional properties"). */
function describeValidation(error: FastifyError): string {
  const [first] = error.validation ?? [];
  const unknown = first?.keyword === 'additionalProperties' ? first.params['additionalProperty'] : undefined;
  if (typeof unknown !== 'string') return error.message;
  return `${error.validationContext ?? 'body'}${first?.instancePath ?? ''} has an unknown field "${unknown.slice(0, 100)}"`;
}

/** The one place errors become responses: typed errors keep code and message; nothing else leaks. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | SidecarError | Error, request, reply) => {
    if (error instanceof SidecarError) {
      if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
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
