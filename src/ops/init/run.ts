/**
 * `ttops init`: answers from flags (`--yes`, CI) or prompts (a terminal), then the plans of
 * init/plan.ts through the runner. The env file defaults to `.env` in the working directory
 * (dev) or `/etc/ttops/ttops.env` with `--prod`; `--env-file` (or TTOPS_ENV_FILE) wins over both.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { OutputOptions, Io } from '../../io.js';
import { ConflictError, InvalidInputError } from '../../errors.js';
import { DEFAULT_PATHS } from '../deploy/paths.js';
import { planToJson, renderPlan } from '../plan.js';
import { runPlan } from '../runner.js';
import { planInit, type InitAnswers } from './plan.js';
import { askInit, askProd, confirmOverwrite, splitKeys } from './prompts.js';

/** Flags of `ttops init`. */
export interface InitOptions {
  yes?: boolean;
  prod?: boolean;
  apiDomain?: string;
  mediaDomain?: string;
  databaseUrl?: string;
  createLocalDb?: boolean;
  botToken?: string;
  kieKeys?: string;
  port?: number;
  force?: boolean;
  dryRun?: boolean;
  /** Whether stdin is a terminal (prompts need one); injectable for tests. */
  stdinIsTty?: boolean;
  now?: Date;
}

/** What init reports: the file and which secrets it generated — never their values. */
export interface InitResult {
  env_file: string;
  /** TTOPS_ENV written into the file. */
  env: 'dev' | 'prod';
  mode: '0600';
  generated: string[];
  database_created: boolean;
  dry_run: boolean;
  /** The command to run next, naming this file when it is not where that command looks by itself. */
  next: string;
}

/** Where the env file goes. */
export function initEnvFile(io: Pick<Io, 'cwd' | 'env'>, globals: Pick<OutputOptions, 'envFile'>, prod: boolean): string {
  // TTOPS_ENV_FILE too: node 20 itself reads `--env-file` after the script name and exits 9 when the file is missing (nodejs/node#54232).
  const chosen = globals.envFile ?? io.env.TTOPS_ENV_FILE;
  if (chosen) return path.resolve(io.cwd, chosen);
  return prod ? DEFAULT_PATHS.envFile : path.join(io.cwd, '.env');
}

/** Runs init; prints the plan instead with --dry-run. */
export async function runInit(io: Io, globals: OutputOptions, options: InitOptions): Promise<InitResult> {
  const interactive = !options.yes && io.isTty && (options.stdinIsTty ?? Boolean(process.stdin.isTTY));
  if (!options.yes && !interactive) {
    throw new InvalidInputError('init_needs_yes', 'ttops init asks questions only on a terminal; pass --yes with --api-domain and --media-domain.');
  }
  const given: Partial<InitAnswers> = {
    prod: options.prod ?? (options.yes ? false : undefined),
    apiDomain: options.apiDomain,
    mediaDomain: options.mediaDomain,
    databaseUrl: options.databaseUrl,
    createLocalDb: options.createLocalDb ?? (options.yes ? false : undefined),
    botToken: options.botToken,
    kieKeys: splitKeys(options.kieKeys) ?? (options.yes ? [] : undefined),
    port: options.port,
  };
  // The file's place may depend on --prod, so ask that first when it is open.
  const prod = given.prod ?? (interactive ? await askProd(globals.color) : false);
  const envFile = initEnvFile(io, globals, prod);
  if (existsSync(envFile) && !options.force && !options.dryRun && !(interactive && (await confirmOverwrite(envFile, globals.color)))) {
    throw new ConflictError('env_file_exists', `${envFile} already exists; pass --force to replace it (new secrets sign every user out).`);
  }
  const answers: InitAnswers = interactive ? await askInit({ ...given, prod }, globals.color) : ({ ...given, prod, apiDomain: given.apiDomain ?? '', mediaDomain: given.mediaDomain ?? '' } as InitAnswers);
  const plans = planInit(answers, { envFile, now: options.now ?? new Date() });
  const result: InitResult = {
    env_file: envFile,
    env: answers.prod ? 'prod' : 'dev',
    mode: '0600',
    generated: plans.generated,
    database_created: plans.database.commands.length > 0,
    dry_run: Boolean(options.dryRun),
    next: nextStep(io, answers.prod, envFile),
  };
  if (options.dryRun) {
    const shown = plans.display;
    io.stdout.write(globals.json ? `${JSON.stringify(planToJson(shown), null, 2)}\n` : `${renderPlan(shown)}\n\n${shown.files[0].content}`);
    return result;
  }
  if (plans.database.commands.length) await runPlan(plans.database, { io });
  await runPlan(plans.envFile, { io });
  return result;
}

/**
 * What to run next so that it reads the file just written: `serve` finds `.env` in the
 * working directory and `deploy` finds /etc/ttops/ttops.env (or TTOPS_ENV_FILE) by
 * themselves; any other file is named with --env-file.
 */
export function nextStep(io: Pick<Io, 'cwd' | 'env'>, prod: boolean, envFile: string): string {
  const command = prod ? 'sudo ttops deploy' : 'ttops serve';
  const found = [prod ? DEFAULT_PATHS.envFile : path.join(io.cwd, '.env'), io.env.TTOPS_ENV_FILE ? path.resolve(io.cwd, io.env.TTOPS_ENV_FILE) : undefined];
  if (found.includes(envFile)) return `\`${command}\` (it reads ${envFile} by itself)`;
  return `\`${command} --env-file ${envFile}\``;
}

/** The human summary: the path, what was generated, what to do next. */
export function renderInitResult(result: InitResult): string {
  return [`wrote ${result.env_file} (mode ${result.mode})`, `generated: ${result.generated.join(', ')} — stored only in that file`, `next: ${result.next}`].join('\n');
}
