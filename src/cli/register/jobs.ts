/** Declarations of the job commands: `worker` and `credits`. */
import { InvalidArgumentError } from 'commander';
import { int } from './int.js';
import type { Register } from './types.js';

const MAX_GRANT = 1_000_000;

/** The amount of a grant: credits are only ever added here (a refund or debit is the ledger's job). */
function creditAmount(value: string): number {
  if (/^-\d/.test(value.trim())) throw new InvalidArgumentError(`${value} is negative: credits grant only adds credits — pass a whole number from 1 to ${MAX_GRANT}`);
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > MAX_GRANT) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not an amount of credits — pass a whole number from 1 to ${MAX_GRANT}`);
  }
  return Number(value);
}

/** Registers `worker` and `credits`. */
export const register: Register = (program, io, action) => {
  program
    .command('worker')
    .description('run the job loop until SIGTERM (one per ttops-worker@N unit)')
    .option('--id <n>', 'instance number (default WORKER_ID or 1)', int(0, 9999))
    .option('--concurrency <k>', 'jobs run at once (default WORKER_CONCURRENCY)', int(1, 2000))
    .action(action(async (g, o: { id?: number; concurrency?: number }) => (await import('../commands/worker.js')).runWorker(io, g, o)));

  const credits = program.command('credits').description('grant and inspect credits');
  credits
    .command('grant')
    .description('add credits to a user (username or tg:<telegram id>)')
    .argument('<user>', 'username or tg:<telegram id>')
    .argument('<amount>', `credits to add, a whole number from 1 to ${MAX_GRANT}`, creditAmount)
    .option('--reason <text>', 'why, kept in the ledger and the audit log')
    .action(
      action(async (g, user: string, amount: number, o: { reason?: string }) => (await import('../commands/credits.js')).runCreditsGrant(io, g, user, amount, o)),
    );
  credits
    .command('show <user>')
    .description('balance and recent ledger of a user (username or tg:<telegram id>)')
    .option('--limit <n>', 'ledger rows to show', int(1, 10_000), 50)
    .action(action(async (g, user: string, o: { limit: number }) => (await import('../commands/credits.js')).runCreditsShow(io, g, user, o)));
};
