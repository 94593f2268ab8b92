/**
 * Loads configuration from the process environment and an env file, validates it against
 * the one schema and returns a typed object. Nothing here writes to disk: secrets that dev
 * generates are resolved separately (`secrets.ts`), when a command actually needs them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors.js';
import { ALIASES, SETTINGS, type Setting } from './schema.js';

/** The resolved configuration every command and daemon receives. */
export interface Config {
  env: 'dev' | 'prod';
  home: string;
  databaseUrl?: string;
  host: string;
  port: number;
  serverHost: string;
  mediaBaseUrl: string;
  mediaDir: string;
  jwtSecret?: string;
  adminApiKey?: string;
  jwtTtlDays: number;
  authRateLimit: number;
  passwordRounds: number;
  telegram: { botToken?: string; apiRoot: string; webhookSecret?: string; adminChatId?: string };
  kie: { apiKeys: string[]; baseUrl: string };
  openai: { apiKey?: string; baseUrl: string };
  videoCostCredits: number;
  jobs: { concurrency: number; leaseMs: number; pollMs: number; retentionDays: number; kieModel: string; providerPollMs: number };
  backupDir: string;
  systemctl: { bin: string; explicit: boolean };
  ttsEngine: 'edge' | 'espeak' | 'none';
  tts: { edgeUrl?: string; voice: string; maxChars: number; bannedWords: string; edgeBudgetMs: number };
  limits: { soundsPerUser: number; triggersPerUser: number };
  liveSource?: 'tiktok' | 'replay';
  /** Live sessions: raw event retention, the upstream lease and the grace after the last socket. */
  live: { eventRetentionDays: number; leaseMs: number; graceMs: number };
  signApiKey?: string;
  log: { level: string; format: 'pretty' | 'json' };
  /** The env file that was read, if any. */
  envFile?: string;
  /** Validated values by variable name, as given (for `ttops config`). */
  values: Record<string, unknown>;
  /** Where each given value came from: the process environment or the env file (`ttops config`). */
  sources?: Record<string, ValueSource>;
}

/** Where a given value was read. */
export type ValueSource = 'env' | 'env_file';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Explicit env file (`--env-file`), which must exist; `false` reads none. */
  envFile?: string | false;
  /** Whether stdout is a terminal (decides the default log format). */
  isTty?: boolean;
}

const BY_NAME = new Map<string, Setting>(SETTINGS.map((s) => [s.name, s]));
const DEPLOYED_ENV_FILE = '/etc/ttops/ttops.env';

/** Reads, validates and types the configuration. Throws ConfigError naming the variable. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const envFile = options.envFile === false ? undefined : findEnvFile(options.envFile ?? env.TTOPS_ENV_FILE, cwd);
  const fromFile = envFile ? readEnvFile(envFile) : {};
  const sources: Record<string, ValueSource> = {};
  const raw = mergeSources(fromFile, env, envFile, sources);
  const values = validate(raw);
  return { ...toConfig(values, { cwd, envFile, isTty: options.isTty ?? false }), sources };
}

function findEnvFile(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) throw new ConfigError(`env file ${file} does not exist — create it with \`ttops init\` or pass another --env-file`);
    return file;
  }
  const local = path.join(cwd, '.env');
  if (existsSync(local)) return local;
  return existsSync(DEPLOYED_ENV_FILE) ? DEPLOYED_ENV_FILE : undefined;
}

function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read env file ${file} — check its permissions (it should be readable by this user, mode 0600)`, { cause });
  }
  const parsed = parseEnv(text) as Record<string, string>;
  for (const name of Object.keys(parsed)) {
    if (!BY_NAME.has(name) && !ALIASES[name] && name !== 'TTOPS_ENV_FILE') {
      throw new ConfigError(`${file} sets unknown variable ${name} — remove it or fix its name (\`ttops config --help\` lists them)`, { context: { variable: name } });
    }
  }
  return parsed;
}

/** Process env wins over the env file; aliases map to current names; empty means unset. */
function mergeSources(fromFile: Record<string, string>, env: NodeJS.ProcessEnv, envFile: string | undefined, sources: Record<string, ValueSource>): Record<string, string> {
  const merged: Record<string, string> = {};
  const take = (source: Record<string, string | undefined>, from: ValueSource) => {
    for (const [name, value] of Object.entries(source)) {
      const target = ALIASES[name] ?? name;
      if (!BY_NAME.has(target) || value === undefined || value === '') continue;
      if (ALIASES[name] && source[target]) continue; // the current name wins over its alias
      merged[target] = value;
      sources[target] = from;
    }
  };
  take(fromFile, 'env_file');
  take(env, 'env');
  for (const name of Object.keys(env)) {
    if (name.startsWith('TTOPS_') && !BY_NAME.has(name) && name !== 'TTOPS_ENV_FILE') {
      throw new ConfigError(`unknown variable ${name} in the environment — did you mean one of ${[...BY_NAME.keys()].filter((n) => n.startsWith('TTOPS_')).join(', ')}?`, { context: { variable: name, envFile } });
    }
  }
  return merged;
}

function validate(raw: Record<string, string>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const setting = BY_NAME.get(name)!;
    const result = setting.schema.safeParse(value);
    if (!result.success) {
      const shown = setting.secret ? '[redacted]' : JSON.stringify(value);
      const why = result.error.issues.map((i) => i.message).join('; ');
      throw new ConfigError(`${name}=${shown} is invalid: ${why} — fix it in the environment or the env file (${setting.description})`, { context: { variable: name } });
    }
    values[name] = result.data;
  }
  return values;
}

function toConfig(v: Record<string, unknown>, ctx: { cwd: string; envFile?: string; isTty: boolean }): Config {
  const get = <T>(name: string, fallback: T): T => (v[name] === undefined ? fallback : (v[name] as T));
  const env = get<'dev' | 'prod'>('TTOPS_ENV', 'dev');
  const home = path.resolve(ctx.cwd, get('TTOPS_HOME', './.ttops'));
  const host = get('HOST', '127.0.0.1');
  const port = get('PORT', 8000);
  const serverHost = stripSlash(get('SERVER_HOST', `http://${host.includes(':') ? `[${host}]` : host}:${port}`));
  return {
    env,
    home,
    databaseUrl: get<string | undefined>('DATABASE_URL', undefined),
    host,
    port,
    serverHost,
    mediaBaseUrl: stripSlash(get('MEDIA_BASE_URL', serverHost)),
    mediaDir: path.resolve(ctx.cwd, get('MEDIA_DIR', path.join(home, 'media'))),
    jwtSecret: get<string | undefined>('JWT_SECRET', undefined),
    adminApiKey: get<string | undefined>('ADMIN_API_KEY', undefined),
    jwtTtlDays: get('JWT_TTL_DAYS', 30),
    authRateLimit: get('AUTH_RATE_LIMIT', 20),
    passwordRounds: get('PASSWORD_ROUNDS', 600_000),
    telegram: {
      botToken: get<string | undefined>('TELEGRAM_BOT_TOKEN', undefined),
      apiRoot: stripSlash(get('TELEGRAM_API_ROOT', 'https://api.telegram.org')),
      webhookSecret: get<string | undefined>('TELEGRAM_WEBHOOK_SECRET', undefined),
      adminChatId: get<string | undefined>('ADMIN_CHAT_ID', undefined),
    },
    kie: { apiKeys: get<string[]>('KIE_API_KEYS', []), baseUrl: stripSlash(get('KIE_BASE_URL', 'https://api.kie.ai')) },
    openai: { apiKey: get<string | undefined>('OPENAI_API_KEY', undefined), baseUrl: stripSlash(get('OPENAI_BASE_URL', 'https://api.openai.com/v1')) },
    videoCostCredits: get('VIDEO_COST_CREDITS', 1),
    jobs: {
      concurrency: get('WORKER_CONCURRENCY', 64),
      leaseMs: get('JOB_LEASE_SECONDS', 5) * 1000,
      pollMs: get('JOB_POLL_MS', 1000),
      retentionDays: get('JOB_RETENTION_DAYS', 30),
      kieModel: get('KIE_MODEL', 'sora-2-image-to-video'),
      providerPollMs: get('PROVIDER_POLL_SECONDS', 20) * 1000,
    },
    backupDir: path.resolve(ctx.cwd, get('BACKUP_DIR', path.join(home, 'backups'))),
    systemctl: { bin: get('TTOPS_SYSTEMCTL', 'systemctl'), explicit: v.TTOPS_SYSTEMCTL !== undefined },
    ttsEngine: get('TTS_ENGINE', 'edge'),
    tts: {
      edgeUrl: get<string | undefined>('EDGE_TTS_URL', undefined),
      voice: get('TTS_VOICE', 'ru-RU-SvetlanaNeural'),
      maxChars: get('TTS_MAX_CHARS', 200),
      bannedWords: get('TTS_BANNED_WORDS', ''),
      edgeBudgetMs: get('TTS_EDGE_BUDGET_MS', 3000),
    },
    limits: { soundsPerUser: get('SOUNDS_PER_USER', 50), triggersPerUser: get('TRIGGERS_PER_USER', 100) },
    liveSource: get<'tiktok' | 'replay' | undefined>('LIVE_SOURCE', undefined),
    live: { eventRetentionDays: get('LIVE_EVENT_RETENTION_DAYS', 30), leaseMs: get('LIVE_LEASE_SECONDS', 15) * 1000, graceMs: get('LIVE_GRACE_SECONDS', 10) * 1000 },
    signApiKey: get<string | undefined>('SIGN_API_KEY', undefined),
    log: {
      level: get('LOG_LEVEL', 'info'),
      format: get<'pretty' | 'json'>('LOG_FORMAT', env === 'dev' && ctx.isTty ? 'pretty' : 'json'),
    },
    envFile: ctx.envFile,
    values: v,
  };
}

function stripSlash(u: string): string {
  return u.replace(/\/+$/, '');
}
