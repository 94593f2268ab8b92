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
  '*.databaseUrl',
  'password',
  'license_key',
  'access_token',
  'token',
];

/** Query parameters that carry credentials (the WebSocket takes its JWT in `?token=`). */
const SECRET_PARAMS = /([?&](?:token|key|access_token)=)[^&#]*/gi;

/** A URL safe to log. */
export function redactUrlQuery(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
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
