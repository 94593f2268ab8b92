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

/** Fastify's own 4xx codes, renamed to ours. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
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
    if (error instanceof SyntaxError || FASTIFY_CODES[error.code]) {
      return sendError(reply, error.statusCode && error.statusCode < 500 ? error.statusCode : 400, FASTIFY_CODES[error.code] ?? 'invalid_json', 'the request body is not valid JSON');
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'bad_request', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal_error', 'internal error — the server log has the details');
  });
}
