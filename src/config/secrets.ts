/**
 * The secrets policy. In prod, `JWT_SECRET` and `ADMIN_API_KEY` must be given and strong;
 * in dev they are generated once into `TTOPS_HOME/secrets.env` (mode 0600) so a bare
 * `ttops serve` works and tokens survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, writeSync, closeSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors.js';
import type { Config } from './load.js';

const MIN_BYTES = 32;
/** What a secret must be worth to an attacker who knows how people pick them. */
export const MIN_ENTROPY_BITS = 128;
const KNOWN_WEAK = /^(changeme|change-me|secret|password|admin|test|example|default|xxx+|your[-_]?secret.*)$/i;
const HOW_TO_FIX = 'generate one with `openssl rand -hex 32` or run `ttops init`';

/** The two secrets every daemon needs, resolved. */
export interface ResolvedSecrets {
  jwtSecret: string;
  adminApiKey: string;
}

/** Where dev keeps its generated secrets. */
export function devSecretsFile(config: Config): string {
  return path.join(config.home, 'secrets.env');
}

/** Returns the secrets, generating dev ones once; throws ConfigError for missing/weak prod ones. */
export function resolveSecrets(config: Config): ResolvedSecrets {
  if (config.env === 'prod') {
    return {
      jwtSecret: requireStrong('JWT_SECRET', config.jwtSecret),
      adminApiKey: requireStrong('ADMIN_API_KEY', config.adminApiKey),
    };
  }
  const needed = !config.jwtSecret || !config.adminApiKey;
  const stored = needed ? loadOrCreateDevSecrets(devSecretsFile(config)) : undefined;
  return {
    jwtSecret: config.jwtSecret ?? stored!.JWT_SECRET,
    adminApiKey: config.adminApiKey ?? stored!.ADMIN_API_KEY,
  };
}

/** Why a secret is weak, or undefined when it is fine. */
export function weakness(value: string): string | undefined {
  const bytes = Buffer.byteLength(value);
  if (bytes < MIN_BYTES) return `is ${bytes} bytes; production needs at least ${MIN_BYTES}`;
  if (KNOWN_WEAK.test(value)) return 'is a well-known placeholder';
  const bits = Math.floor(estimateEntropyBits(value));
  if (bits < MIN_ENTROPY_BITS) return `looks guessable (about ${bits} bits: repeats, sequences, keyboard runs or common words); production needs ${MIN_ENTROPY_BITS} bits of randomness`;
  return undefined;
}

/** Words people put in secrets; a match costs an attacker almost nothing. */
const WORDS = [
  'password', 'passw0rd', 'secret', 'admin', 'administrator', 'changeme', 'change', 'default', 'example', 'test', 'testing', 'token', 'jwtsecret',
  'apikey', 'letmein', 'welcome', 'qwerty', 'dragon', 'monkey', 'master', 'login', 'super', 'private', 'ttops', 'tiktok', 'prod', 'production',
  'development', 'staging', 'server', 'hello', 'iloveyou', 'sunshine', 'football', 'shadow', 'trustno1', 'abc123', 'root', 'user', 'key',
];
const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p'];
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', '$': 's' };
/** Longest prefix considered: past this a secret only gets stronger, and the estimate stays O(n²). */
const MAX_SCORED = 256;

/**
 * Estimates how many bits an attacker must guess, the way zxcvbn does in small: the cheapest
 * split of the string into single characters (log2 of the alphabet it draws from), repeats
 * of earlier text (where and how long), runs with a constant step (abcd, 1357, aaaa),
 * keyboard runs and common words. A random string scores close to its length times
 * log2(alphabet); "abcdefgh" four times scores about 20.
 */
export function estimateEntropyBits(secret: string): number {
  const chars = Array.from(secret).slice(0, MAX_SCORED);
  const n = chars.length;
  const perChar = Math.log2(alphabetSize(chars));
  const lower = chars.map((c) => c.toLowerCase());
  const plain = lower.map((c) => LEET[c] ?? c).join('');
  const cost = new Array<number>(n + 1).fill(Infinity);
  cost[0] = 0;
  for (let i = 0; i < n; i++) {
    const here = cost[i];
    const relax = (end: number, bits: number) => {
      if (here + bits < cost[end]) cost[end] = here + bits;
    };
    relax(i + 1, perChar);
    // A repeat of earlier text (possibly overlapping itself, so "abab…" and "aaaa…" are cheap).
    for (let from = 0; from < i; from++) {
      let len = 0;
      while (i + len < n && lower[from + len] === lower[i + len]) len++;
      if (len >= 3) relax(i + len, Math.log2(i) + Math.log2(len) + 1);
    }
    // A run with a constant step between code points.
    const step = (chars[i + 1]?.codePointAt(0) ?? NaN) - chars[i].codePointAt(0)!;
    if (Math.abs(step) <= 3) {
      let len = 2;
      while (i + len < n && chars[i + len].codePointAt(0)! - chars[i + len - 1].codePointAt(0)! === step) len++;
      if (len >= 3) relax(i + len, perChar + Math.log2(len) + 2);
    }
    for (const row of KEYBOARD_ROWS) {
      for (let len = 4; i + len <= n; len++) {
        const run = lower.slice(i, i + len).join('');
        if (!row.includes(run) && !row.includes([...run].reverse().join(''))) break;
        relax(i + len, Math.log2(row.length) + Math.log2(len) + 2);
      }
    }
    for (const word of WORDS) {
      if (plain.startsWith(word, i)) relax(i + word.length, Math.log2(WORDS.length) + 2);
    }
  }
  return cost[n] + Math.max(0, Array.from(secret).length - n) * perChar;
}

const CLASSES: [RegExp, number][] = [[/[a-z]/, 26], [/[A-Z]/, 26], [/[0-9]/, 10], [/[\x20-\x7e]/, 33], [/[^]/, 100]];

/** The size of the alphabet a string draws from: the sum of the character classes it uses. */
function alphabetSize(chars: string[]): number {
  const used = new Set(chars.map((c) => CLASSES.findIndex(([re]) => re.test(c))));
  return Math.max(2, [...used].reduce((sum, i) => sum + CLASSES[i][1], 0));
}

function requireStrong(name: string, value: string | undefined): string {
  if (!value) throw new ConfigError(`${name} is not set; production needs it — run \`ttops init\` or set it in /etc/ttops/ttops.env`, { code: 'secret_missing', context: { variable: name } });
  const why = weakness(value);
  if (why) throw new ConfigError(`${name} ${why} — ${HOW_TO_FIX}`, { code: 'secret_weak', context: { variable: name } });
  return value;
}

function loadOrCreateDevSecrets(file: string): Record<'JWT_SECRET' | 'ADMIN_API_KEY', string> {
  if (existsSync(file)) {
    const parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
    if (parsed.JWT_SECRET && parsed.ADMIN_API_KEY) return parsed as Record<'JWT_SECRET' | 'ADMIN_API_KEY', string>;
  }
  const secrets = {
    JWT_SECRET: randomBytes(48).toString('base64url'),
    ADMIN_API_KEY: randomBytes(32).toString('base64url'),
  };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    // 'wx' so two processes starting at once cannot both write: the loser reads the winner's file.
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateDevSecrets(file);
    throw new ConfigError(`cannot write ${file} — make TTOPS_HOME writable or set JWT_SECRET and ADMIN_API_KEY`, { cause: error });
  }
  try {
    writeSync(fd, `# generated by ttops for dev; keep private\nJWT_SECRET=${secrets.JWT_SECRET}\nADMIN_API_KEY=${secrets.ADMIN_API_KEY}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, 0o600);
  return secrets;
}
