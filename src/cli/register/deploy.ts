/** Declarations of `ttops init`, `ttops deploy` and `ttops rollback`; implementations load lazily. */
import { InvalidArgumentError } from 'commander';
import type { InitOptions } from '../../ops/init/run.js';
import { int, type Register } from './types.js';

function absDir(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('expected a directory');
  return value;
}

function url(value: string): string {
  if (!/^https?:\/\/\S+$/.test(value)) throw new InvalidArgumentError('expected an http(s) URL');
  return value;
}

/** Registers init, deploy and rollback. */
export const register: Register = (program, io, action) => {
  program
    .command('init')
    .description('write the env file with generated secrets (prompts on a terminal; --yes with flags in CI)')
    .option('-y, --yes', 'no questions: take every answer from flags')
    .option('--prod', 'production settings; env file defaults to /etc/ttops/ttops.env instead of ./.env')
    .option('--api-domain <domain>', 'public name of the API, e.g. api.example.com')
    .option('--media-domain <domain>', 'public name serving sounds and TTS audio, e.g. media.example.com')
    .option('--database-url <url>', 'PostgreSQL URL (default: SQLite in TTOPS_HOME)')
    .option('--create-local-db', 'create a local PostgreSQL role and database with a generated password')
    .option('--bot-token <token>', 'Telegram bot token (the bot stays off without it)')
    .option('--kie-keys <k1,k2>', 'video provider API keys, comma separated')
    .option('--port <port>', 'port `ttops serve` listens on behind nginx', int(1, 65535))
    .option('-f, --force', 'replace an existing env file (new secrets sign every user out)')
    .option('--dry-run', 'print the plan (secrets redacted) and change nothing')
    .addHelpText('after', '\nThe env file is written with mode 0600; secrets are never printed. Use the global --env-file F (or --config-file F, e.g. through npx on Node 20) to pick its path.')
    .action(action(async (g, o: InitOptions) => (await import('../commands/init.js')).runInitCommand(io, g, o)));

  program
    .command('deploy')
    .description('install or update ttops on this box: user, release, nginx, certificate, units, migrate, restart, health gate')
    .option('--dry-run', 'print the plan (with --json: {files, commands}) and change nothing')
    .option('--root <dir>', 'write every file under DIR (same absolute layout) and run no command')
    .option('--release-id <id>', 'name of the new release (default: UTC time YYYYMMDDHHMMSS)')
    .option('--keep <n>', 'releases to keep after a successful deploy', int(1, 100), 5)
    .option('--acme-server <url>', 'ACME directory URL for certbot (a test CA such as Pebble)', url)
    .option('--staging', "use Let's Encrypt's staging CA (untrusted test certificates)")
    .option('--email <address>', 'account e-mail for certbot expiry notices')
    .option('--skip-tls', 'stop at the HTTP stage: no certbot, no 443 vhosts (until DNS points here)')
    .option('--app-dir <dir>', 'where releases and `current` live (default /opt/ttops)', absDir)
    .option('--user <name>', 'system user the services run as (created when missing)', 'ttops')
    .option('--nginx-user <name>', 'user nginx workers run as; joins the service group to read media', 'www-data')
    .option('--health-retries <n>', 'health gate attempts after the first', int(0, 600))
    .option('--health-interval <ms>', 'pause between health gate attempts', int(50, 60_000))
    .option('--prefix <dir>', 'rehearsal: put every system path (/etc, /opt, /var) under DIR and run the commands for real', absDir)
    .option('--from <dir>', 'package directory to release (default: this installed ttops)', absDir)
    .addHelpText('after', '\nReads the deployed env file: --env-file F or TTOPS_ENV_FILE, default /etc/ttops/ttops.env (create it with `ttops init --prod`).\nAny failure after `current` moved (a failed restart, a failed health gate) switches it back to the previous release by itself and exits 1; Ctrl-C does the same and exits 130.')
    .action(
      action(async (g, o: Record<string, unknown>) =>
        (await import('../commands/deploy.js')).runDeployCommand(io, g, { ...o, healthIntervalMs: o.healthInterval as number | undefined }),
      ),
    );

  program
    .command('rollback')
    .description('switch `current` back to the previous healthy release (or --to ID), restart, health gate')
    .option('--to <id>', 'release to switch to (default: the newest healthy one before current)')
    .option('--app-dir <dir>', 'where releases and `current` live (default /opt/ttops)', absDir)
    .option('--health-retries <n>', 'health gate attempts after the first', int(0, 600))
    .option('--health-interval <ms>', 'pause between health gate attempts', int(50, 60_000))
    .option('--prefix <dir>', 'rehearsal: every system path under DIR', absDir)
    .action(
      action(async (g, o: Record<string, unknown>) =>
        (await import('../commands/rollback.js')).runRollbackCommand(io, g, { ...o, healthIntervalMs: o.healthInterval as number | undefined }),
      ),
    );
};
