/**
 * Loads configuration from the process environment and an env file, validates it against
 * the one schema and returns a typed object. Nothing here writes to disk: secrets that dev
 * generates are resolved separately (`secrets.ts`), when a command actually needs them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors.js';
import { ALIASES, SETTINGS, type Setting, type SettingValues } from './schema.js';

/** The resolved configuration every command and daemon receives (its shape follows from the schema). */
export type Config = ReturnType<typeof toConfig> & {
  /** Where each given value came from: the process environment or the env file (`ttops config`). */
  sources?: Record<string, ValueSource>;
};

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

const BY_NAME = new Map<string, Setting>(SETTINGS.map((s): [string, Setting] => [s.name, s]));
const DEPLOYED_ENV_FILE = '/etc/ttops/ttops.env';

/** Reads, validates and types the configuration. Throws ConfigError naming the variable. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const envFile = options.envFile === false ? undefined : findEnvFile(options.envFile ?? env.TTOPS_ENV_FILE, cwd);
  const fromFile = envFile ? readEnvFile(envFile) : {};
  const sources: Record<string, ValueSource> = {};
  const raw = mergeSources(fromFile, env, envFile, sources);
  const { given, values } = validate(raw);
  return { ...toConfig(values, given, { cwd, envFile, isTty: options.isTty ?? false }), sources };
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

/** Validates what was given (naming the variable on failure) and fills every default from the schema. */
function validate(raw: Record<string, string>): { given: Record<string, unknown>; values: SettingValues } {
  const given: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const value = raw[setting.name];
    const result = setting.schema.safeParse(value);
    if (!result.success) {
      const shown = 'secret' in setting && setting.secret ? '[redacted]' : JSON.stringify(value);
      const why = result.error.issues.map((i) => i.message).join('; ');
      throw new ConfigError(`${setting.name}=${shown} is invalid: ${why} — fix it in the environment or the env file (${setting.description})`, { context: { variable: setting.name } });
    }
    values[setting.name] = result.data;
    if (value !== undefined) given[setting.name] = result.data;
  }
  return { given, values: values as SettingValues };
}

function toConfig(v: SettingValues, given: Record<string, unknown>, ctx: { cwd: string; envFile?: string; isTty: boolean }) {
  const home = path.resolve(ctx.cwd, v.TTOPS_HOME);
  const serverHost = stripSlash(v.SERVER_HOST ?? `http://${v.HOST.includes(':') ? `[${v.HOST}]` : v.HOST}:${v.PORT}`);
  return {
    env: v.TTOPS_ENV,
    home,
    databaseUrl: v.DATABASE_URL,
    host: v.HOST,
    port: v.PORT,
    serverHost,
    mediaBaseUrl: stripSlash(v.MEDIA_BASE_URL ?? serverHost),
    mediaDir: path.resolve(ctx.cwd, v.MEDIA_DIR ?? path.join(home, 'media')),
    jwtSecret: v.JWT_SECRET,
    adminApiKey: v.ADMIN_API_KEY,
    jwtTtlDays: v.JWT_TTL_DAYS,
    authRateLimit: v.AUTH_RATE_LIMIT,
    passwordRounds: v.PASSWORD_ROUNDS,
    telegram: { botToken: v.TELEGRAM_BOT_TOKEN, apiRoot: stripSlash(v.TELEGRAM_API_ROOT), webhookSecret: v.TELEGRAM_WEBHOOK_SECRET, adminChatId: v.ADMIN_CHAT_ID, mode: v.TELEGRAM_MODE },
    /** Admin alerts: the same alert at most once per window. */
    alerts: { windowMs: v.ALERT_WINDOW_MINUTES * 60_000 },
    /** User reminders: the balance below which a fall is reminded. */
    reminders: { lowBalanceCredits: v.LOW_BALANCE_CREDITS },
    kie: { apiKeys: v.KIE_API_KEYS ?? [], baseUrl: stripSlash(v.KIE_BASE_URL) },
    openai: { apiKey: v.OPENAI_API_KEY, baseUrl: stripSlash(v.OPENAI_BASE_URL) },
    videoCostCredits: v.VIDEO_COST_CREDITS,
    jobs: {
      concurrency: v.WORKER_CONCURRENCY,
      leaseMs: v.JOB_LEASE_SECONDS * 1000,
      pollMs: v.JOB_POLL_MS,
      retentionDays: v.JOB_RETENTION_DAYS,
      kieModel: v.KIE_MODEL,
      providerPollMs: v.PROVIDER_POLL_SECONDS * 1000,
    },
    backupDir: path.resolve(ctx.cwd, v.BACKUP_DIR ?? path.join(home, 'backups')),
    systemctl: { bin: v.TTOPS_SYSTEMCTL ?? 'systemctl', explicit: v.TTOPS_SYSTEMCTL !== undefined },
    ttsEngine: v.TTS_ENGINE,
    tts: { edgeUrl: v.EDGE_TTS_URL, voice: v.TTS_VOICE, maxChars: v.TTS_MAX_CHARS, bannedWords: v.TTS_BANNED_WORDS, edgeBudgetMs: v.TTS_EDGE_BUDGET_MS },
    limits: { soundsPerUser: v.SOUNDS_PER_USER, triggersPerUser: v.TRIGGERS_PER_USER },
    liveSource: v.LIVE_SOURCE,
    /** Live sessions: raw event retention, the upstream lease and the grace after the last socket. */
    live: { eventRetentionDays: v.LIVE_EVENT_RETENTION_DAYS, leaseMs: v.LIVE_LEASE_SECONDS * 1000, graceMs: v.LIVE_GRACE_SECONDS * 1000 },
    signApiKey: v.SIGN_API_KEY,
    /** Card providers (each off while its credentials are unset), order expiry and the referral bonus. */
    payments: {
      robokassa: {
        login: v.ROBOKASSA_MERCHANT_LOGIN,
        password1: v.ROBOKASSA_PASSWORD_1,
        password2: v.ROBOKASSA_PASSWORD_2,
        testPassword1: v.ROBOKASSA_TEST_PASSWORD_1,
        testPassword2: v.ROBOKASSA_TEST_PASSWORD_2,
        isTest: v.ROBOKASSA_IS_TEST,
        hash: v.ROBOKASSA_HASH,
        url: v.ROBOKASSA_URL,
        allowedIps: v.ROBOKASSA_ALLOWED_IPS ?? [],
      },
      yookassa: { shopId: v.YOOKASSA_SHOP_ID, secretKey: v.YOOKASSA_SECRET_KEY, apiUrl: stripSlash(v.YOOKASSA_API_URL), allowedIps: v.YOOKASSA_ALLOWED_IPS ?? [] },
      wata: { token: v.WATA_TOKEN, apiUrl: stripSlash(v.WATA_API_URL) },
      orderTtlMs: v.ORDER_TTL_MINUTES * 60_000,
      referralBonusCredits: v.REFERRAL_BONUS_CREDITS,
    },
    log: { level: v.LOG_LEVEL, format: v.LOG_FORMAT ?? (v.TTOPS_ENV === 'dev' && ctx.isTty ? 'pretty' : 'json') },
    /** The env file that was read, if any. */
    envFile: ctx.envFile,
    /** Validated values by variable name, as given (for `ttops config` and "was it set?" checks). */
    values: given,
  };
}

function stripSlash(u: string): string {
  return u.replace(/\/+$/, '');
}
