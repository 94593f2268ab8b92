/** Declarations of the day-to-day ops commands: healthcheck, status, scale, logs. */
import { Argument, InvalidArgumentError, Option } from 'commander';
import type { LogOutput, LogTarget } from '../../ops/logs/journal.js';
import { int, type Register } from './types.js';

/** A commander parser for seconds (decimals allowed) within bounds. */
function seconds(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected seconds from ${min} to ${max}`);
    return n;
  };
}

/** Registers the ops commands. */
export const register: Register = (program, io, action) => {
  program
    .command('healthcheck')
    .description('GET <url>/ready and print each check; exit 0 healthy, 1 unhealthy, 3 unreachable, 2 usage (for CI and the deploy gate)')
    .option('--url <url>', 'API base URL (default SERVER_HOST); a URL ending in /ready is used as is')
    .option('--timeout <seconds>', 'per-attempt timeout', seconds(0.1, 300), 5)
    .option('--retries <n>', 'extra attempts when unreachable or 5xx', int(0, 100), 0)
    .option('--interval <seconds>', 'pause between attempts', seconds(0, 60), 1)
    .action(action(async (g, o: { url?: string; timeout: number; retries: number; interval: number }) => (await import('../commands/healthcheck.js')).runHealthcheck(io, g, o)));

  program
    .command('status')
    .description('one screen: services, workers configured vs alive, queue, licenses, last backup, certificate, disk (exit 3 only when the store is unreachable)')
    .option('--cert <file>', 'certificate to check (default /etc/letsencrypt/live/<SERVER_HOST name>/fullchain.pem)')
    .action(action(async (g, o: { cert?: string }) => (await import('../commands/status.js')).runStatus(io, g, o)));

  program
    .command('scale')
    .description('`scale workers N` runs exactly ttops-worker@1..N (systemctl enable/disable --now); `scale` alone shows configured vs alive')
    .addArgument(new Argument('[kind]', 'what to scale').choices(['workers']))
    .argument('[count]', 'how many worker processes (0–64)', int(0, 64))
    .option('--dry-run', 'print the systemctl commands (JSON with --json) and change nothing')
    .action(action(async (g, kind: string | undefined, count: number | undefined, o: { dryRun?: boolean }) => (await import('../commands/scale.js')).runScale(io, g, kind, count, o)));

  program
    .command('logs')
    .description('show the journal of the ttops units (journalctl); `bot` is the API unit filtered with --grep bot, since the bot runs inside ttops-api')
    .addArgument(new Argument('[target]', 'whose lines: api, worker, bot (default: all ttops units)').choices(['api', 'worker', 'bot']))
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --lines <n>', 'how many recent lines', int(0, 1_000_000), 100)
    .option('--since <time>', 'only lines since this time, as journalctl reads it ("1h ago", "2025-01-31 12:00", "today")')
    .addOption(new Option('-o, --output <mode>', 'journalctl output mode').choices(['short-iso', 'cat', 'json']).default('short-iso'))
    .action(
      action(async (g, target: LogTarget | undefined, o: { follow?: boolean; lines: number; since?: string; output: LogOutput }) =>
        (await import('../commands/logs.js')).runLogs(io, g, target, o),
      ),
    );
};
