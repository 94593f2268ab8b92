/**
 * What `ttops init` does, as plans: optionally a local PostgreSQL role and database (argv
 * commands run as the postgres user, the password a Secret), then the env file (0600).
 * `display` is the same plan with every secret shown as `[redacted]`.
 */
import { InvalidInputError } from '../../errors.js';
import { CHECKS } from '../render/validate.js';
import { concatPlans, makePlan, Secret, type Plan, type PlannedCommand } from '../plan.js';
import { generateSecret, renderEnvFile, type EnvFileValues } from './env-file.js';

/** The answers init needs (from flags or prompts). */
export interface InitAnswers {
  /** Deployed settings: TTOPS_ENV=prod, TTOPS_HOME=/var/lib/ttops. */
  prod: boolean;
  apiDomain: string;
  mediaDomain: string;
  databaseUrl?: string;
  createLocalDb?: boolean;
  botToken?: string;
  kieKeys?: string[];
  port?: number;
}

/** The plans and what to tell the operator. */
export interface InitPlans {
  /** Creates the local database; empty without --create-local-db. */
  database: Plan;
  /** Writes the env file. */
  envFile: Plan;
  /** Both, secrets redacted, for --dry-run and --json. */
  display: Plan;
  /** Names of the secrets init generated (never their values). */
  generated: string[];
}

/** Name of the role and the database `--create-local-db` creates. */
export const LOCAL_DB = 'ttops';

/** Checks answers, naming the flag that is wrong (exit 2). */
export function checkAnswers(answers: InitAnswers): void {
  const bad = (flag: string, why: string) => new InvalidInputError('invalid_init_flag', `${flag} ${why}`);
  for (const [flag, value] of [['--api-domain', answers.apiDomain], ['--media-domain', answers.mediaDomain]] as const) {
    if (!value) throw bad(flag, 'is required (a DNS name like api.example.com).');
    if (!CHECKS.domain[0].test(value) || !value.includes('.') || /^[\d.]+$/.test(value)) throw bad(flag, `${JSON.stringify(value)} is not a DNS name like api.example.com.`);
  }
  if (answers.apiDomain.toLowerCase() === answers.mediaDomain.toLowerCase()) throw bad('--media-domain', 'must differ from --api-domain (nginx serves them as two sites).');
  if (answers.databaseUrl && answers.createLocalDb) throw bad('--create-local-db', 'cannot be combined with --database-url; pick one.');
  if (answers.databaseUrl && !/^postgres(ql)?:\/\/[^\s'"]+$/.test(answers.databaseUrl)) throw bad('--database-url', 'must be a postgres:// URL (leave it out for SQLite).');
  if (answers.botToken && !/^\d+:[\w-]+$/.test(answers.botToken)) throw bad('--bot-token', 'does not look like a Telegram bot token (123456:ABC-def).');
  for (const key of answers.kieKeys ?? []) if (!/^[^\s,'"]+$/.test(key)) throw bad('--kie-keys', 'must be keys separated by commas, without spaces or quotes.');
}

/** The init plans for checked answers; `secret` is injectable so tests get fixed values. */
export function planInit(answers: InitAnswers, options: { envFile: string; now: Date; secret?: () => Secret }): InitPlans {
  checkAnswers(answers);
  const secret = options.secret ?? (() => generateSecret());
  const generated = ['JWT_SECRET', 'ADMIN_API_KEY'];
  let databaseUrl = answers.databaseUrl ? new Secret(answers.databaseUrl) : undefined;
  let database = makePlan('local PostgreSQL database');
  if (answers.createLocalDb) {
    const password = secret();
    databaseUrl = new Secret(`postgres://${LOCAL_DB}:${password.value}@127.0.0.1:5432/${LOCAL_DB}`);
    database = makePlan('local PostgreSQL database', { commands: planLocalDatabase(password) });
    generated.push('the database password (inside DATABASE_URL)');
  }
  const values: EnvFileValues = {
    env: answers.prod ? 'prod' : 'dev',
    home: answers.prod ? '/var/lib/ttops' : undefined,
    port: answers.port ?? 8000,
    apiDomain: answers.apiDomain.toLowerCase(),
    mediaDomain: answers.mediaDomain.toLowerCase(),
    databaseUrl,
    jwtSecret: secret(),
    adminApiKey: secret(),
    botToken: answers.botToken ? new Secret(answers.botToken) : undefined,
    webhookSecret: answers.botToken ? secret() : undefined,
    kieKeys: answers.kieKeys?.length ? new Secret(answers.kieKeys.join(',')) : undefined,
    written: options.now.toISOString().slice(0, 10),
  };
  if (values.webhookSecret) generated.push('TELEGRAM_WEBHOOK_SECRET');
  const file = { path: options.envFile, mode: 0o600 };
  const envFile = makePlan('env file', { files: [{ ...file, content: renderEnvFile(values, true), sensitive: true }] });
  const shown = makePlan('env file', { files: [{ ...file, content: renderEnvFile(values, false) }] });
  return { database, envFile, display: concatPlans('ttops init', [database, shown]), generated };
}

/** createuser, set its password, createdb — as the postgres OS user (peer authentication). */
export function planLocalDatabase(password: Secret): PlannedCommand[] {
  const asPostgres = ['runuser', '-u', 'postgres', '--'];
  return [
    { argv: [...asPostgres, 'createuser', '--no-superuser', '--no-createdb', '--no-createrole', LOCAL_DB], why: `create the PostgreSQL role ${LOCAL_DB} (fails harmlessly when it exists)`, allowFailure: true },
    { argv: [...asPostgres, 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', new Secret(`ALTER ROLE ${LOCAL_DB} WITH LOGIN PASSWORD '${password.value}'`)], why: `set the generated password of role ${LOCAL_DB}` },
    { argv: [...asPostgres, 'createdb', '--owner', LOCAL_DB, LOCAL_DB], why: `create the database ${LOCAL_DB} owned by ${LOCAL_DB} (fails harmlessly when it exists)`, allowFailure: true },
  ];
}
