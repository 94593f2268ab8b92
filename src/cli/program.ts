/**
 * The command line: every command and flag, declared in one place, each action tidying
 * its flags and calling one function from a lazily loaded module (so `--help` is fast).
 */
import { Command, CommanderError } from 'commander';
import { colorEnabled } from '../color.js';
import { InvalidInputError } from '../errors.js';
import { readFileSync } from 'node:fs';
import { packagePath } from '../paths.js';
import type { GlobalOptions, Io } from './io.js';

import { register as registerBackup } from './register/backup.js';
import { register as registerBilling } from './register/billing.js';
import { register as registerBot } from './register/bot.js';
import { register as registerCheckout } from './register/checkout.js';
import { register as registerDeploy } from './register/deploy.js';
import { int } from './register/int.js';
import { register as registerJobs } from './register/jobs.js';
import { register as registerLive } from './register/live.js';
import { register as registerOps } from './register/ops.js';
import type { ActionFactory } from './register/types.js';

function globalsOf(command: Command, io: Io): GlobalOptions {
  const o = command.optsWithGlobals();
  return { json: Boolean(o.json), verbose: Boolean(o.verbose), color: colorEnabled({ flag: o.color, env: io.env, isTty: io.isTty }), envFile: o.configFile ?? o.envFile };
}

/** Builds the program; `setExit` receives a non-zero code a command returns. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const version = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  const program = new Command('ttops')
    .description('Run and operate a creator-tools backend on one VPS: API, bot, live listener, workers, and the ops around them.')
    .version(version, '-v, --version')
    .option('--json', 'print results as JSON')
    .option('--verbose', 'show stack traces and debug detail')
    .option('--no-color', 'no colour in output (NO_COLOR is respected too)')
    .option('--env-file <file>', 'read configuration from this env file')
    .option('--config-file <file>', 'the same as --env-file, under a name node does not read: use it with npx on Node 20, where node takes --env-file itself')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError()
    .addHelpText('after', '\nExit codes: 0 ok, 1 failed/unhealthy, 2 usage, 3 unreachable, 4 config, 5 not found, 6 conflict, 70 internal, 130 interrupted (Ctrl-C at a prompt).');
  const action: ActionFactory =
    <A extends unknown[]>(fn: (g: GlobalOptions, ...args: A) => Promise<number | void>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      let code: number | void;
      try {
        code = await fn(globalsOf(command, io), ...(args.slice(0, -1) as A));
      } catch (error) {
        // A parser called inside an action throws commander's error, which commander never printed.
        if (error instanceof CommanderError) throw new InvalidInputError('invalid_argument', error.message.replace(/^error: /, ''), { cause: error });
        throw error;
      }
      if (typeof code === 'number' && code !== 0) setExit(code);
    };

  program
    .command('serve')
    .description('run the HTTP API (and bot, live listener, in-process workers) until SIGTERM')
    .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default PORT or 8000)', int(0, 65535))
    .option('--workers <n>', 'job loops run in this process (dev default 1, prod default 0; units pass 0)', int(0, 64))
    .option('--no-bot', 'do not run the Telegram bot even when TELEGRAM_BOT_TOKEN is set')
    .action(action(async (g, o: { host?: string; port?: number; workers?: number; bot: boolean }) => (await import('./commands/serve.js')).runServe(io, g, o)));

  program
    .command('config')
    .description('show the resolved configuration, secrets redacted')
    .action(action(async (g) => (await import('./commands/config.js')).runConfig(io, g)));

  const migrate = program.command('migrate').description('database schema migrations');
  migrate.command('up').description('apply pending migrations (safe to run concurrently)').action(action(async (g) => (await import('./commands/migrate.js')).runMigrateUp(io, g)));
  migrate
    .command('down')
    .description('revert the most recent migrations (asks first; in prod takes a backup first)')
    .option('--count <n>', 'how many to revert', int(1), 1)
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--dry-run', 'print which migrations would be reverted and change nothing')
    .action(action(async (g, o: { count: number; yes?: boolean; dryRun?: boolean }) => (await import('./commands/migrate.js')).runMigrateDown(io, g, o)));
  migrate
    .command('status')
    .description('list migrations and whether they ran')
    .option('--check', 'exit 1 when migrations are pending')
    .action(action(async (g, o: { check?: boolean }) => (await import('./commands/migrate.js')).runMigrateStatus(io, g, o)));

  const license = program.command('license').description('issue and manage license keys');
  license
    .command('issue')
    .description('issue keys (shown once)')
    .requiredOption('--plan <plan>', 'plan name, e.g. pro')
    .requiredOption('--ttl-days <n>', 'days of access the key gives', int(1, 3650))
    .option('--count <n>', 'how many keys', int(1, 1000), 1)
    .option('--note <text>', 'free text kept with the keys')
    .action(action(async (g, o: { plan: string; ttlDays: number; count: number; note?: string }) => (await import('./commands/license.js')).runLicenseIssue(io, g, o)));
  license
    .command('list')
    .description('list keys (masked)')
    .option('--status <status>', 'active, redeemed, revoked or expired')
    .action(action(async (g, o: { status?: string }) => (await import('./commands/license.js')).runLicenseList(io, g, o)));
  license
    .command('show <key-or-id>')
    .description('show one key')
    .action(action(async (g, ref: string) => (await import('./commands/license.js')).runLicenseShow(io, g, ref)));
  license
    .command('revoke <key-or-id>')
    .description('revoke a key; a redeemed key takes its days back from the user (asks first)')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--dry-run', 'show the key and what revoking it would do, change nothing')
    .action(action(async (g, ref: string, o: { yes?: boolean; dryRun?: boolean }) => (await import('./commands/license.js')).runLicenseRevoke(io, g, ref, o)));
  license
    .command('extend <key-or-id>')
    .description('add days to a key (and to its user if redeemed)')
    .requiredOption('--days <n>', 'days to add', int(1, 3650))
    .action(action(async (g, ref: string, o: { days: number }) => (await import('./commands/license.js')).runLicenseExtend(io, g, ref, o)));

  for (const register of [registerJobs, registerDeploy, registerOps, registerBackup, registerLive, registerBilling, registerCheckout, registerBot]) register(program, io, action);
  return program;
}
