/**
 * Errors raised before any route runs — by Node's HTTP parser (malformed request, headers
 * over 16 KB, timeouts), by Node's Expect handling, or by Fastify's router (bad %-escape,
 * over-long path parameter) — answered with the same `{error:{code,message}}` body and a
 * stable code as every other error, instead of the defaults' own shapes or empty bodies.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError, type ErrorBody } from './errors.js';

/** Router errors (Fastify's `frameworkErrors`) as status, code and message. */
const ROUTER_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_BAD_URL: [400, 'invalid_url', 'the URL path has a malformed %-escape — percent-encode it as UTF-8'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', 'a path segment of this URL is too long'],
};

/** Node's parser errors (the server's `clientError`) as status, code and message. */
function clientErrorReply(code: string | undefined): [number, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'the request headers are larger than 16 KB — send fewer or smaller headers'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'ERR_HTTP_HEADERS_TIMEOUT') return [408, 'request_timeout', 'the request took too long to arrive — retry'];
  return [400, 'bad_request', 'the request is not well-formed HTTP/1.1'];
}

/** A complete HTTP response as raw bytes, for places that only have a socket. */
function rawErrorResponse(status: number, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Fastify's `frameworkErrors` option: router failures in our error shape. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const [status, code, message] = ROUTER_ERRORS[error.code] ?? [400, 'bad_request', 'the request could not be routed'];
  void sendError(reply, status, code, message);
}

/** Fastify's `clientErrorHandler` option: parser failures answered on the raw socket. */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = clientErrorReply(error.code);
  this.log.debug({ code: error.code }, 'client error');
  // As Node does: answer only when no response is already under way on this connection.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.end(rawErrorResponse(status, code, message));
  else socket.destroy(error);
}

/** Node's `checkExpectation` event: an Expect other than 100-continue is a coded 417. */
function refuseExpectation(_req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({ error: { code: 'expectation_failed', message: 'only `Expect: 100-continue` is supported — drop the Expect header' } } satisfies ErrorBody);
  res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

/**
 * Installs the parts that need the app: unknown Expect values, and HTTP/1.1 without Host
 * (Node's own check answers 400 with an empty body, so the app is built with
 * `requireHostHeader: false` and checks here instead).
 */
export function installTransportErrors(app: FastifyInstance): void {
  app.server.on('checkExpectation', refuseExpectation);
  app.addHook('onRequest', async (request, reply) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      return sendError(reply.header('connection', 'close'), 400, 'missing_host', 'HTTP/1.1 requests need a Host header');
    }
  });
}

/** The Fastify constructor options that route transport errors here. */
export const TRANSPORT_OPTIONS = {
  frameworkErrors,
  clientErrorHandler,
  http: { requireHostHeader: false },
} as const;
