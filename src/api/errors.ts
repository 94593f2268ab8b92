/**
 * Turning every failure into `{error:{code,message}}` with the right status. Bad input is
 * always a 4xx with a stable code; only a real bug becomes a 500, and its details go to
 * the log, never to the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isTtopsError } from '../errors.js';

/** The error body every client parses. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Fastify's own body and content-type errors, renamed to ours with a message saying what to fix. */
const FASTIFY_CODES: Record<string, [string, string]> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'the body is empty but Content-Type says JSON — send a JSON object'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'the request body is not valid JSON'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'send the body as Content-Type: application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'Content-Length does not match the body'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'the body is larger than 1 MB'],
};

/** Sends an error body with a status. */
export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } } satisfies ErrorBody);
}

/** Installs the error and not-found handlers on an app. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isTtopsError(error) && error.status < 500) return sendError(reply, error.status, error.code, error.message);
    if (isTtopsError(error) && error.status === 503) return sendError(reply, 503, error.code, error.message);
    if (error.validation) {
      return sendError(reply, 400, 'invalid_request', `${error.validationContext ?? 'request'}${error.message.replace(/^(body|querystring|params|headers)/, '')}`);
    }
    const renamed = FASTIFY_CODES[error.code];
    if (renamed || error instanceof SyntaxError) {
      const [code, message] = renamed ?? FASTIFY_CODES.FST_ERR_CTP_INVALID_JSON_BODY;
      return sendError(reply, error.statusCode && error.statusCode < 500 ? error.statusCode : 400, code, message);
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'bad_request', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal_error', 'internal error — the server log has the details');
  });
}
