/**
 * The configuration schema: every setting ttops reads, its default and what it means.
 * It validates the environment, documents itself (`ttops config`, the README table),
 * marks secrets so they are redacted wherever configuration is printed, and types the
 * configuration: `SettingValues` (and so `Config`) is inferred from it, literal defaults
 * included, so nothing restates a setting's type or default by hand.
 */
import { z } from 'zod';

const url = z.string().url();
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
const port = z.coerce.number().int().min(0).max(65535);
const commaList = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/** One setting: the env variable, its validator (with its default when it has a fixed one), and its documentation. */
export interface Setting<N extends string = string, S extends z.ZodTypeAny = z.ZodTypeAny> {
  name: N;
  schema: S;
  /** Shown in docs; where the schema has no default, the real one is derived from other settings. */
  default: string;
  description: string;
  secret?: boolean;
}

function setting<N extends string, S extends z.ZodTypeAny>(name: N, schema: S, docDefault: string, description: string, options: { secret?: boolean } = {}): Setting<N, S> {
  return { name, schema, default: docDefault, description, ...options };
}

/** Every setting, in the order `ttops config` prints them. */
export const SETTINGS = [
  setting('TTOPS_ENV', z.enum(['dev', 'prod']).default('dev'), 'dev', '`dev` or `prod`; prod enforces strong secrets and JSON logs'),
  setting('TTOPS_HOME', z.string().min(1).default('./.ttops'), './.ttops', 'data directory: SQLite file, media, TTS cache, generated dev secrets'),
  setting('DATABASE_URL', z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (leave it unset for SQLite)').optional(), 'unset → SQLite in TTOPS_HOME', 'PostgreSQL connection string', { secret: true }),
  setting('HOST', z.string().min(1).default('127.0.0.1'), '127.0.0.1', 'address `serve` listens on (`--host` overrides)'),
  setting('PORT', port.default(8000), '8000', 'port `serve` listens on (`--port` overrides)'),
  setting('SERVER_HOST', url.optional(), 'http://HOST:PORT', 'public base URL of the API'),
  setting('MEDIA_BASE_URL', url.optional(), 'SERVER_HOST', 'public base URL of `static/` media (alias `TTS_BASE_URL`)'),
  setting('MEDIA_DIR', z.string().min(1).optional(), 'TTOPS_HOME/media', 'where `static/sounds` and `static/tts` live'),
  setting('JWT_SECRET', z.string().min(1).optional(), 'dev: generated into TTOPS_HOME; prod: required, ≥32 bytes', 'HS256 key for access tokens', { secret: true }),
  setting('ADMIN_API_KEY', z.string().min(1).optional(), 'dev: generated into TTOPS_HOME; prod: required, ≥32 bytes', 'key for the `Admin-Api-Key` header of admin routes', { secret: true }),
  setting('JWT_TTL_DAYS', z.coerce.number().int().min(1).max(365).default(30), '30', 'access token lifetime (never past the license expiry)'),
  setting('AUTH_RATE_LIMIT', z.coerce.number().int().min(1).default(20), '20', 'login/redeem requests per minute per IP'),
  setting('PASSWORD_ROUNDS', z.coerce.number().int().min(600_000).default(600_000), '600000', 'pbkdf2-sha256 rounds for new password hashes (≥600000)'),
  setting('TELEGRAM_BOT_TOKEN', z.string().regex(/^\d+:[\w-]+$/, 'looks like 123456:ABC-def').optional(), 'unset → bot off', 'Telegram bot token', { secret: true }),
  setting('TELEGRAM_API_ROOT', url.default('https://api.telegram.org'), 'https://api.telegram.org', 'Bot API base URL (a local fake in tests)'),
  setting('TELEGRAM_WEBHOOK_SECRET', z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, '1–256 of A-Z a-z 0-9 _ -').optional(), 'unset', 'secret_token Telegram sends with webhook updates', { secret: true }),
  setting('TELEGRAM_MODE', z.enum(['auto', 'webhook', 'polling']).default('auto'), 'auto', 'how the bot gets updates: `auto` = webhook when SERVER_HOST is https, long polling otherwise'),
  setting('ADMIN_CHAT_ID', z.string().regex(/^-?\d+$/, 'a numeric chat id').optional(), 'unset', 'Telegram chat that receives admin alerts'),
  setting('ALERT_WINDOW_MINUTES', z.coerce.number().int().min(1).max(10_080).default(60), '60', 'the same admin alert (keys exhausted, workers silent, a billing error) goes to ADMIN_CHAT_ID at most once per window'),
  setting('LOW_BALANCE_CREDITS', z.coerce.number().int().min(1).max(1_000_000).default(1), '1', 'a Telegram user whose balance falls below this many credits is reminded once per fall'),
  setting('KIE_API_KEYS', commaList.optional(), 'unset', 'comma list of generation provider keys, rotated', { secret: true }),
  setting('KIE_BASE_URL', url.default('https://api.kie.ai'), 'https://api.kie.ai', 'generation provider base URL'),
  setting('OPENAI_API_KEY', z.string().min(1).optional(), 'unset', 'prompt writing; direct template without it', { secret: true }),
  setting('OPENAI_BASE_URL', url.default('https://api.openai.com/v1'), 'https://api.openai.com/v1', 'OpenAI-compatible endpoint'),
  setting('VIDEO_COST_CREDITS', z.coerce.number().int().min(0).default(1), '1', 'credits one video costs'),
  setting('WORKER_CONCURRENCY', z.coerce.number().int().min(1).max(2000).default(64), '64', 'jobs one worker process runs at once (`--concurrency` overrides)'),
  setting('JOB_LEASE_SECONDS', z.coerce.number().int().min(2).max(3600).default(5), '5', 'how long a claim holds a job without a heartbeat; a dead worker\'s jobs run again after this'),
  setting('JOB_POLL_MS', z.coerce.number().int().min(10).max(60_000).default(1000), '1000', 'how often idle workers look for due jobs besides notifications'),
  setting('JOB_RETENTION_DAYS', z.coerce.number().int().min(1).max(3650).default(30), '30', 'finished jobs older than this are deleted'),
  setting('KIE_MODEL', z.string().regex(/^[\w.-]+$/).default('sora-2-image-to-video'), 'sora-2-image-to-video', 'generation model (text-only orders use the text-to-video variant)'),
  setting('PROVIDER_POLL_SECONDS', z.coerce.number().int().min(1).max(3600).default(20), '20', 'how often a waiting generation is polled when no callback arrives'),
  setting('BACKUP_DIR', z.string().min(1).optional(), 'TTOPS_HOME/backups (deployed: /var/backups/ttops)', 'where `ttops backup` keeps its folders'),
  setting('TTOPS_SYSTEMCTL', z.string().min(1).optional(), 'systemctl', 'systemctl binary; when set, ttops trusts it even where systemd is not detected (tests use a stand-in)'),
  setting('TTOPS_JOURNALCTL', z.string().min(1).optional(), 'journalctl', 'journalctl binary for `ttops logs`; when set, ttops trusts it even where journald is not detected (tests use a stand-in)'),
  setting('TTS_ENGINE', z.enum(['edge', 'espeak', 'none']).default('edge'), 'edge', '`edge` (falls back to `espeak`), `espeak`, `none`'),
  setting('EDGE_TTS_URL', z.string().regex(/^wss?:\/\//, 'must start with wss:// (ws:// for a local fake)').optional(), "Microsoft's Edge read-aloud endpoint", 'Edge TTS WebSocket endpoint (a local fake in tests)'),
  setting('TTS_VOICE', z.string().regex(/^[a-z]{2,3}-[A-Z]{2}-\w+$/, 'a voice name like ru-RU-SvetlanaNeural').default('ru-RU-SvetlanaNeural'), 'ru-RU-SvetlanaNeural', 'voice when the streamer chose none'),
  setting('TTS_MAX_CHARS', z.coerce.number().int().min(10).max(1000).default(200), '200', 'spoken text is cut to this many characters'),
  setting('TTS_BANNED_WORDS', z.string().max(100_000).default(''), 'none', 'comma- or newline-separated words never spoken (`word*` = prefix)'),
  setting('TTS_EDGE_BUDGET_MS', z.coerce.number().int().min(100).max(60_000).default(3000), '3000', 'how long Edge may take before espeak answers instead'),
  setting('SOUNDS_PER_USER', z.coerce.number().int().min(1).max(10_000).default(50), '50', 'sounds one streamer may keep'),
  setting('TRIGGERS_PER_USER', z.coerce.number().int().min(1).max(10_000).default(100), '100', 'triggers one streamer may keep'),
  setting('LIVE_SOURCE', z.enum(['tiktok', 'replay']).optional(), 'tiktok if installed, else replay', 'where live events come from'),
  setting('LIVE_EVENT_RETENTION_DAYS', z.coerce.number().int().min(1).max(3650).default(30), '30', 'raw live events older than this are deleted (session stats are kept)'),
  setting('LIVE_LEASE_SECONDS', z.coerce.number().int().min(1).max(300).default(15), '15', "how long one `serve` holds a streamer's upstream connection without renewing; another takes over after this when it dies"),
  setting('LIVE_GRACE_SECONDS', z.coerce.number().int().min(0).max(3600).default(10), '10', "how long the upstream connection stays open after a streamer's last socket leaves"),
  setting('SIGN_API_KEY', z.string().min(1).optional(), 'unset', 'TikTok signing key (Euler Stream)', { secret: true }),
  setting('ROBOKASSA_MERCHANT_LOGIN', z.string().min(1).optional(), 'unset → Robokassa off', 'Robokassa shop identifier (MerchantLogin)'),
  setting('ROBOKASSA_PASSWORD_1', z.string().min(1).optional(), 'unset', 'Robokassa password #1 (signs pay links); with ROBOKASSA_IS_TEST and no test set, the test password #1', { secret: true }),
  setting('ROBOKASSA_PASSWORD_2', z.string().min(1).optional(), 'unset', 'Robokassa password #2 (checks ResultURL notifications)', { secret: true }),
  setting('ROBOKASSA_TEST_PASSWORD_1', z.string().min(1).optional(), 'unset', 'Robokassa test password #1, kept apart from the live one', { secret: true }),
  setting('ROBOKASSA_TEST_PASSWORD_2', z.string().min(1).optional(), 'unset', 'Robokassa test password #2', { secret: true }),
  setting('ROBOKASSA_IS_TEST', bool.default('false'), 'false', 'new Robokassa orders run in test mode (IsTest=1, test passwords); a test payment never pays a live order'),
  setting('ROBOKASSA_HASH', z.enum(['md5', 'ripemd160', 'sha1', 'sha256', 'sha384', 'sha512']).default('md5'), 'md5', 'Robokassa signature hash, as set in the shop\'s technical settings'),
  setting('ROBOKASSA_URL', url.default('https://auth.robokassa.ru/Merchant/Index.aspx'), 'https://auth.robokassa.ru/Merchant/Index.aspx', 'Robokassa payment page (a local fake in tests)'),
  setting('ROBOKASSA_ALLOWED_IPS', commaList.optional(), 'unset → any', 'comma list of addresses/CIDRs ResultURL calls may come from (Robokassa: 185.59.216.65,185.59.217.65)'),
  setting('YOOKASSA_SHOP_ID', z.string().min(1).optional(), 'unset → YooKassa off', 'YooKassa shop id (a test shop has its own id and key)'),
  setting('YOOKASSA_SECRET_KEY', z.string().min(1).optional(), 'unset', 'YooKassa secret key', { secret: true }),
  setting('YOOKASSA_API_URL', url.default('https://api.yookassa.ru/v3'), 'https://api.yookassa.ru/v3', 'YooKassa API base URL (a local fake in tests)'),
  setting('YOOKASSA_ALLOWED_IPS', commaList.optional(), 'unset → any', 'comma list of addresses/CIDRs webhooks may come from (YooKassa publishes its list); the payment is re-fetched either way'),
  setting('WATA_TOKEN', z.string().min(1).optional(), 'unset → WATA off', 'WATA API access token (Bearer)', { secret: true }),
  setting('WATA_API_URL', url.default('https://api.wata.pro/api/h2h'), 'https://api.wata.pro/api/h2h', 'WATA API base URL (sandbox: https://api-sandbox.wata.pro/api/h2h; its orders are test orders)'),
  setting('ORDER_TTL_MINUTES', z.coerce.number().int().min(5).max(10_080).default(60), '60', 'an unpaid card order expires after this (a payment arriving later is still honoured)'),
  setting('REFERRAL_BONUS_CREDITS', z.coerce.number().int().min(0).max(1_000_000).default(10), '10', "credits the inviter and the invitee each get on the invitee's first fulfilled payment (0: referrals off)"),
  setting('LOG_LEVEL', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'info', 'log level'),
  setting('LOG_FORMAT', z.enum(['pretty', 'json']).optional(), 'pretty on a TTY in dev, else json', 'log format'),
] as const;

/** The validated value of every setting, by variable name: defaults filled, unset optional ones undefined. */
export type SettingValues = { [S in (typeof SETTINGS)[number] as S['name']]: z.output<S['schema']> };

/** The schema of all settings at once, for validating a merged environment. */
export const SETTINGS_OBJECT = z.object(Object.fromEntries(SETTINGS.map((s) => [s.name, s.schema])) as { [S in (typeof SETTINGS)[number] as S['name']]: S['schema'] });

/** Old names still accepted, mapped to the current ones. */
export const ALIASES: Record<string, string> = {
  TTS_BASE_URL: 'MEDIA_BASE_URL',
  // Names of the first ttops releases, before the seeds' names were adopted.
  ROBOKASSA_LOGIN: 'ROBOKASSA_MERCHANT_LOGIN',
  ROBOKASSA_PASSWORD1: 'ROBOKASSA_PASSWORD_1',
  ROBOKASSA_PASSWORD2: 'ROBOKASSA_PASSWORD_2',
  ROBOKASSA_TEST: 'ROBOKASSA_IS_TEST',
};

/** Names of settings whose values must never be printed. */
export const SECRET_NAMES = new Set<string>(SETTINGS.filter((s) => 'secret' in s && s.secret).map((s) => s.name));
