/**
 * Printing configuration safely: secrets become `[redacted]`, database URLs keep their
 * host but lose the password, so `ttops config` can be pasted into an issue.
 */
import { SECRET_NAMES, SETTINGS } from './schema.js';
import type { Config } from './load.js';

export const REDACTED = '[redacted]';

/** One row of `ttops config`: the variable, its effective value, and where it came from. */
export interface ConfigRow {
  name: string;
  value: string | null;
  source: 'set' | 'default';
  description: string;
}

/** The configuration as rows, secrets redacted. */
export function describeConfig(config: Config): ConfigRow[] {
  return SETTINGS.map((s) => {
    const given = config.values[s.name];
    const value = given === undefined ? null : redactValue(s.name, given);
    return { name: s.name, value: value ?? effectiveDefault(config, s.name), source: given === undefined ? 'default' : 'set', description: s.description };
  });
}

function effectiveDefault(config: Config, name: string): string | null {
  const derived: Record<string, string | undefined> = {
    TTOPS_ENV: config.env,
    TTOPS_HOME: config.home,
    HOST: config.host,
    PORT: String(config.port),
    SERVER_HOST: config.serverHost,
    MEDIA_BASE_URL: config.mediaBaseUrl,
    MEDIA_DIR: config.mediaDir,
    JWT_TTL_DAYS: String(config.jwtTtlDays),
    AUTH_RATE_LIMIT: String(config.authRateLimit),
    PASSWORD_ROUNDS: String(config.passwordRounds),
    TELEGRAM_API_ROOT: config.telegram.apiRoot,
    KIE_BASE_URL: config.kie.baseUrl,
    OPENAI_BASE_URL: config.openai.baseUrl,
    VIDEO_COST_CREDITS: String(config.videoCostCredits),
    WORKER_CONCURRENCY: String(config.jobs.concurrency),
    JOB_LEASE_SECONDS: String(config.jobs.leaseMs / 1000),
    JOB_POLL_MS: String(config.jobs.pollMs),
    JOB_RETENTION_DAYS: String(config.jobs.retentionDays),
    KIE_MODEL: config.jobs.kieModel,
    PROVIDER_POLL_SECONDS: String(config.jobs.providerPollMs / 1000),
    BACKUP_DIR: config.backupDir,
    TTOPS_SYSTEMCTL: config.systemctl.bin,
    TTOPS_JOURNALCTL: String(config.values.TTOPS_JOURNALCTL ?? 'journalctl'),
    TTS_ENGINE: config.ttsEngine,
    LOG_LEVEL: config.log.level,
    LOG_FORMAT: config.log.format,
  };
  return derived[name] ?? null;
}

function redactValue(name: string, value: unknown): string {
  if (name === 'DATABASE_URL') return redactUrl(String(value));
  if (SECRET_NAMES.has(name)) return REDACTED;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** A URL with its password replaced, for logs and output. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = REDACTED;
    return u.toString();
  } catch {
    return REDACTED;
  }
}
