/** Declarations of the job commands: `worker` and `credits`. */
import { int } from './int.js';
import type { Register } from './types.js';

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
    .command('grant <user> <amount>')
    .description('add credits to a user (username or tg:<telegram id>)')
    .option('--reason <text>', 'why, kept in the ledger and the audit log')
    .action(
      action(async (g, user: string, amount: string, o: { reason?: string }) => (await import('../commands/credits.js')).runCreditsGrant(io, g, user, int(1, 1_000_000)(amount), o)),
    );
  credits
    .command('show <user>')
    .description('balance and recent ledger of a user (username or tg:<telegram id>)')
    .option('--limit <n>', 'ledger rows to show', int(1, 10_000), 50)
    .action(action(async (g, user: string, o: { limit: number }) => (await import('../commands/credits.js')).runCreditsShow(io, g, user, o)));
};
