/**
 * The configuration schema: every setting ttops reads, its default and what it means.
 * It validates the environment, documents itself (`ttops config`, the README table) and
 * marks secrets so they are redacted wherever configuration is printed.
 */
import { z } from 'zod';

const url = z.string().url();
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
const port = z.coerce.number().int().min(0).max(65535);
const commaList = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/** One setting: the env variable, its validator, and its documentation. */
export interface Setting {
  name: string;
  schema: z.ZodTypeAny;
  /** Shown in docs; the real default may be derived from other settings. */
  default: string;
  description: string;
  secret?: boolean;
}

/** Every setting, in the order `ttops config` prints them. */
export const SETTINGS: Setting[] = [
  { name: 'TTOPS_ENV', schema: z.enum(['dev', 'prod']), default: 'dev', description: '`dev` or `prod`; prod enforces strong secrets and JSON logs' },
  { name: 'TTOPS_HOME', schema: z.string().min(1), default: './.ttops', description: 'data directory: SQLite file, media, TTS cache, generated dev secrets' },
  { name: 'DATABASE_URL', schema: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// (leave it unset for SQLite)'), default: 'unset → SQLite in TTOPS_HOME', description: 'PostgreSQL connection string', secret: true },
  { name: 'HOST', schema: z.string().min(1), default: '127.0.0.1', description: 'address `serve` listens on (`--host` overrides)' },
  { name: 'PORT', schema: port, default: '8000', description: 'port `serve` listens on (`--port` overrides)' },
  { name: 'SERVER_HOST', schema: url, default: 'http://HOST:PORT', description: 'public base URL of the API' },
  { name: 'MEDIA_BASE_URL', schema: url, default: 'SERVER_HOST', description: 'public base URL of `static/` media (alias `TTS_BASE_URL`)' },
  { name: 'MEDIA_DIR', schema: z.string().min(1), default: 'TTOPS_HOME/media', description: 'where `static/sounds` and `static/tts` live' },
  { name: 'JWT_SECRET', schema: z.string().min(1), default: 'dev: generated into TTOPS_HOME; prod: required, ≥32 bytes', description: 'HS256 key for access tokens', secret: true },
  { name: 'ADMIN_API_KEY', schema: z.string().min(1), default: 'dev: generated into TTOPS_HOME; prod: required, ≥32 bytes', description: 'key for the `Admin-Api-Key` header of admin routes', secret: true },
  { name: 'JWT_TTL_DAYS', schema: z.coerce.number().int().min(1).max(365), default: '30', description: 'access token lifetime (never past the license expiry)' },
  { name: 'AUTH_RATE_LIMIT', schema: z.coerce.number().int().min(1), default: '20', description: 'login/redeem requests per minute per IP' },
  { name: 'PASSWORD_ROUNDS', schema: z.coerce.number().int().min(600_000), default: '600000', description: 'pbkdf2-sha256 rounds for new password hashes (≥600000)' },
  { name: 'TELEGRAM_BOT_TOKEN', schema: z.string().regex(/^\d+:[\w-]+$/, 'looks like 123456:ABC-def'), default: 'unset → bot off', description: 'Telegram bot token', secret: true },
  { name: 'TELEGRAM_API_ROOT', schema: url, default: 'https://api.telegram.org', description: 'Bot API base URL (a local fake in tests)' },
  { name: 'TELEGRAM_WEBHOOK_SECRET', schema: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/, '1–256 of A-Z a-z 0-9 _ -'), default: 'unset', description: 'secret_token Telegram sends with webhook updates', secret: true },
  { name: 'ADMIN_CHAT_ID', schema: z.string().regex(/^-?\d+$/, 'a numeric chat id'), default: 'unset', description: 'Telegram chat that receives admin alerts' },
  { name: 'KIE_API_KEYS', schema: commaList, default: 'unset', description: 'comma list of generation provider keys, rotated', secret: true },
  { name: 'KIE_BASE_URL', schema: url, default: 'https://api.kie.ai', description: 'generation provider base URL' },
  { name: 'OPENAI_API_KEY', schema: z.string().min(1), default: 'unset', description: 'prompt writing; direct template without it', secret: true },
  { name: 'OPENAI_BASE_URL', schema: url, default: 'https://api.openai.com/v1', description: 'OpenAI-compatible endpoint' },
  { name: 'VIDEO_COST_CREDITS', schema: z.coerce.number().int().min(0), default: '1', description: 'credits one video costs' },
  { name: 'WORKER_CONCURRENCY', schema: z.coerce.number().int().min(1).max(2000), default: '64', description: 'jobs one worker process runs at once (`--concurrency` overrides)' },
  { name: 'JOB_LEASE_SECONDS', schema: z.coerce.number().int().min(2).max(3600), default: '5', description: 'how long a claim holds a job without a heartbeat; a dead worker\'s jobs run again after this' },
  { name: 'JOB_POLL_MS', schema: z.coerce.number().int().min(10).max(60_000), default: '1000', description: 'how often idle workers look for due jobs besides notifications' },
  { name: 'JOB_RETENTION_DAYS', schema: z.coerce.number().int().min(1).max(3650), default: '30', description: 'finished jobs older than this are deleted' },
  { name: 'KIE_MODEL', schema: z.string().regex(/^[\w.-]+$/), default: 'sora-2-image-to-video', description: 'generation model (text-only orders use the text-to-video variant)' },
  { name: 'PROVIDER_POLL_SECONDS', schema: z.coerce.number().int().min(1).max(3600), default: '20', description: 'how often a waiting generation is polled when no callback arrives' },
  { name: 'BACKUP_DIR', schema: z.string().min(1), default: 'TTOPS_HOME/backups (deployed: /var/backups/ttops)', description: 'where `ttops backup` keeps its folders' },
  { name: 'TTOPS_SYSTEMCTL', schema: z.string().min(1), default: 'systemctl', description: 'systemctl binary; when set, ttops trusts it even where systemd is not detected (tests use a stand-in)' },
  { name: 'TTOPS_JOURNALCTL', schema: z.string().min(1), default: 'journalctl', description: 'journalctl binary for `ttops logs`; when set, ttops trusts it even where journald is not detected (tests use a stand-in)' },
  { name: 'TTS_ENGINE', schema: z.enum(['edge', 'espeak', 'none']), default: 'edge', description: '`edge` (falls back to `espeak`), `espeak`, `none`' },
  { name: 'EDGE_TTS_URL', schema: z.string().regex(/^wss?:\/\//, 'must start with wss:// (ws:// for a local fake)'), default: "Microsoft's Edge read-aloud endpoint", description: 'Edge TTS WebSocket endpoint (a local fake in tests)' },
  { name: 'TTS_VOICE', schema: z.string().regex(/^[a-z]{2,3}-[A-Z]{2}-\w+$/, 'a voice name like ru-RU-SvetlanaNeural'), default: 'ru-RU-SvetlanaNeural', description: 'voice when the streamer chose none' },
  { name: 'TTS_MAX_CHARS', schema: z.coerce.number().int().min(10).max(1000), default: '200', description: 'spoken text is cut to this many characters' },
  { name: 'TTS_BANNED_WORDS', schema: z.string().max(100_000), default: 'none', description: 'comma- or newline-separated words never spoken (`word*` = prefix)' },
  { name: 'TTS_EDGE_BUDGET_MS', schema: z.coerce.number().int().min(100).max(60_000), default: '3000', description: 'how long Edge may take before espeak answers instead' },
  { name: 'SOUNDS_PER_USER', schema: z.coerce.number().int().min(1).max(10_000), default: '50', description: 'sounds one streamer may keep' },
  { name: 'TRIGGERS_PER_USER', schema: z.coerce.number().int().min(1).max(10_000), default: '100', description: 'triggers one streamer may keep' },
  { name: 'LIVE_SOURCE', schema: z.enum(['tiktok', 'replay']), default: 'tiktok if installed, else replay', description: 'where live events come from' },
  { name: 'LIVE_EVENT_RETENTION_DAYS', schema: z.coerce.number().int().min(1).max(3650), default: '30', description: 'raw live events older than this are deleted (session stats are kept)' },
  { name: 'LIVE_LEASE_SECONDS', schema: z.coerce.number().int().min(1).max(300), default: '15', description: 'how long one `serve` holds a streamer\'s upstream connection without renewing; another takes over after this when it dies' },
  { name: 'LIVE_GRACE_SECONDS', schema: z.coerce.number().int().min(0).max(3600), default: '10', description: 'how long the upstream connection stays open after a streamer\'s last socket leaves' },
  { name: 'SIGN_API_KEY', schema: z.string().min(1), default: 'unset', description: 'TikTok signing key (Euler Stream)', secret: true },
  { name: 'ROBOKASSA_LOGIN', schema: z.string().min(1), default: 'unset → off', description: 'Robokassa merchant login' },
  { name: 'ROBOKASSA_PASSWORD1', schema: z.string().min(1), default: 'unset', description: 'Robokassa password #1', secret: true },
  { name: 'ROBOKASSA_PASSWORD2', schema: z.string().min(1), default: 'unset', description: 'Robokassa password #2', secret: true },
  { name: 'ROBOKASSA_HASH', schema: z.enum(['md5', 'sha1', 'sha256', 'sha384', 'sha512']), default: 'md5', description: 'Robokassa signature hash' },
  { name: 'ROBOKASSA_TEST', schema: bool, default: 'false', description: 'Robokassa test mode' },
  { name: 'YOOKASSA_SHOP_ID', schema: z.string().min(1), default: 'unset → off', description: 'YooKassa shop id' },
  { name: 'YOOKASSA_SECRET_KEY', schema: z.string().min(1), default: 'unset', description: 'YooKassa secret key', secret: true },
  { name: 'YOOKASSA_API_URL', schema: url, default: 'https://api.yookassa.ru/v3', description: 'YooKassa API base URL' },
  { name: 'LOG_LEVEL', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: 'info', description: 'log level' },
  { name: 'LOG_FORMAT', schema: z.enum(['pretty', 'json']), default: 'pretty on a TTY in dev, else json', description: 'log format' },
];

/** Old names still accepted, mapped to the current ones. */
export const ALIASES: Record<string, string> = { TTS_BASE_URL: 'MEDIA_BASE_URL' };

/** Names of settings whose values must never be printed. */
export const SECRET_NAMES = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.name));
