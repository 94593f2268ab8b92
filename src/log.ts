/**
 * The one logger (pino): JSON in production, pretty on a dev terminal, and never a token,
 * password, key or admin secret in a line — redaction covers headers, bodies and URLs.
 */
import pino, { type Logger } from 'pino';
import type { Config } from './config/load.js';

const REDACT = [
  'req.headers.authorization',
  'req.headers["admin-api-key"]',
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers.cookie',
  '*.password',
  '*.license_key',
  '*.access_token',
  '*.token',
  '*.apiKey',
  '*.jwt',
  '*.jwtSecret',
  '*.adminApiKey',
  '*.databaseUrl',
  'password',
  'license_key',
  'access_token',
  'token',
  'jwt',
];

/**
 * Query parameters whose values may be logged. Every other value is redacted: a client can
 * put a credential under any name (`?token=`, `?jwt=`, `?password=`), so a deny-list misses.
 */
const LOGGABLE_PARAMS = new Set(['limit', 'status']);

/** A URL safe to log at any level: the path as is, query values redacted but a few harmless ones. */
export function redactUrlQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair === '' ? '' : '[redacted]';
      const name = pair.slice(0, eq);
      return LOGGABLE_PARAMS.has(name.toLowerCase()) && pair.length <= 64 ? pair : `${name.slice(0, 64)}=[redacted]`;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

/** How the pretty log looks: `color` comes from the CLI's one colour decision (src/color.ts). */
export interface LoggerLook {
  color?: boolean;
}

/** Builds the process logger from configuration; the pretty format colours only when `look.color`. */
export function makeLogger(config: Pick<Config, 'log' | 'env'>, destination?: pino.DestinationStream, look: LoggerLook = {}): Logger {
  const options: pino.LoggerOptions = {
    level: config.log.level,
    base: { service: 'ttops' },
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrlQuery(req.url), ip: req.ip }),
      err: pino.stdSerializers.err,
    },
  };
  if (destination) return pino(options, destination);
  if (config.log.format === 'pretty') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: look.color ?? false, ignore: 'pid,hostname,service' } } });
  }
  return pino(options);
}
