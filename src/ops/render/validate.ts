/**
 * Checks on render inputs. Values go verbatim into nginx and systemd syntax, so anything
 * that could end a directive or start a new one (spaces, `;`, `{`, quotes, `$`, `%`,
 * newlines) is refused up front with the offending key named.
 */
import { ConfigError } from '../../errors.js';

type Check = readonly [pattern: RegExp, expected: string];

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

/** The shapes a render input may take, with what to tell the user when it does not fit. */
export const CHECKS = {
  domain: [new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`), 'a DNS name like api.example.com'],
  absPath: [/^\/[A-Za-z0-9._/@+-]*$/, 'an absolute path of letters, digits and . _ / @ + -'],
  host: [/^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/, 'an IP address or host name like 127.0.0.1'],
  name: [/^[a-z_][a-z0-9_-]{0,31}$/, 'a system user or group name like ttops'],
  size: [/^\d+[kKmMgG]?$/, 'an nginx size like 1m'],
  nginxTime: [/^\d+(?:ms|s|m|h|d|w|M|y)?$/, 'an nginx time like 3600s or 7d'],
  systemdTime: [/^(?:\d+\s*(?:us|ms|s|sec|min|m|h|d|w)?\s*)+$/, 'a systemd time span like 1h or 30min'],
  calendar: [/^[A-Za-z0-9*:.,/~ -]+$/, 'a systemd OnCalendar= expression like daily or *-*-* 03:00'],
} as const satisfies Record<string, Check>;

/** Throws a ConfigError naming `what.key` unless `value` matches the check. */
export function check(what: string, key: string, value: string, kind: keyof typeof CHECKS): void {
  const [pattern, expected] = CHECKS[kind];
  if (!pattern.test(value)) {
    throw new ConfigError(`${what} ${key} is ${JSON.stringify(value)}; it must be ${expected}.`, {
      code: 'render_input_invalid',
      context: { key, value },
    });
  }
}

/** Throws unless `value` is a TCP port 1–65535. */
export function checkPort(what: string, key: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ConfigError(`${what} ${key} is ${value}; it must be a TCP port between 1 and 65535.`, {
      code: 'render_input_invalid',
      context: { key, value },
    });
  }
}

/** Strips a trailing slash so `${dir}/snippets` never renders as `//snippets`. */
export function trimSlash(dir: string): string {
  return dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
}

/** Drops keys whose value is undefined, so `{ certPath: flags.cert }` keeps the default when the flag is absent. */
export function definedOnly<T extends object>(partial: T): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>;
}
