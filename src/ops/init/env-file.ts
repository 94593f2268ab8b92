/**
 * The env file `ttops init` writes, rendered from templates/env.template. Secret values
 * travel as `Secret`s: the file that is written reveals them, the copy shown by
 * `--dry-run`/`--json` prints `[redacted]` in their place and nothing else changes.
 */
import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';
import { fillTemplate, loadTemplate } from '../render/template.js';
import { Secret } from '../plan.js';

/** What goes into the env file. */
export interface EnvFileValues {
  env: 'dev' | 'prod';
  /** TTOPS_HOME; unset leaves the default (./.ttops in dev). */
  home?: string;
  port: number;
  apiDomain: string;
  mediaDomain: string;
  databaseUrl?: Secret;
  jwtSecret: Secret;
  adminApiKey: Secret;
  botToken?: Secret;
  webhookSecret?: Secret;
  kieKeys?: Secret;
  /** When it was written (a comment in the file's first line). */
  written: string;
}

/** A random secret: `bytes` from the OS CSPRNG as base64url (48 bytes → 64 characters). */
export function generateSecret(bytes = 48): Secret {
  return new Secret(randomBytes(bytes).toString('base64url'));
}

/** The file text; `reveal` false puts `[redacted]` where each secret goes. */
export function renderEnvFile(values: EnvFileValues, reveal: boolean): string {
  const show = (name: string, secret: Secret) => `${name}=${reveal ? envValue(name, secret.value) : String(secret)}`;
  const optional = (name: string, secret: Secret | undefined, hint: string) => (secret ? show(name, secret) : `# ${name}=${hint}`);
  return fillTemplate(loadTemplate('templates/env.template'), {
    written: values.written,
    env: values.env,
    homeLine: values.home ? `TTOPS_HOME=${envValue('TTOPS_HOME', values.home)}` : '# TTOPS_HOME=./.ttops',
    port: values.port,
    apiDomain: values.apiDomain,
    mediaDomain: values.mediaDomain,
    databaseLine: optional('DATABASE_URL', values.databaseUrl, 'postgres://ttops:PASSWORD@127.0.0.1:5432/ttops'),
    jwtSecret: reveal ? values.jwtSecret.value : String(values.jwtSecret),
    adminApiKey: reveal ? values.adminApiKey.value : String(values.adminApiKey),
    botTokenLine: optional('TELEGRAM_BOT_TOKEN', values.botToken, '123456:ABC-your-bot-token'),
    webhookSecretLine: optional('TELEGRAM_WEBHOOK_SECRET', values.webhookSecret, 'generated when a bot token is given'),
    kieKeysLine: optional('KIE_API_KEYS', values.kieKeys, 'key1,key2'),
  });
}

/** A value as the env parser reads it back: bare when plain, single-quoted otherwise. */
export function envValue(name: string, value: string): string {
  if (/[\n\r']/.test(value)) throw new InvalidInputError('invalid_env_value', `${name} cannot contain quotes or line breaks.`);
  return /^[\w@%+=:,./-]*$/.test(value) ? value : `'${value}'`;
}
