/** Declarations of `ttops backup create|list|verify|restore|prune` (implementations load lazily). */
import { int } from './int.js';
import type { Register } from './types.js';

const DIR = ['--dir <dir>', 'backup folder (default BACKUP_DIR, or TTOPS_HOME/backups; deployed: /var/backups/ttops)'] as const;
const load = () => import('../commands/backup.js');

/** Registers the backup commands. */
export const register: Register = (program, io, action) => {
  const backup = program.command('backup').description('back up, verify, restore and prune: database dump, media archive, env file, manifest');
  backup
    .command('create')
    .description('write one checked backup folder; prints {id, path, …} with --json')
    .option(...DIR)
    .action(action(async (g, o: { dir?: string }) => (await load()).runBackupCreate(io, g, o)));
  backup
    .command('list')
    .description('backups, newest first: id, time, engine, size, status (ok, corrupt, incomplete)')
    .option(...DIR)
    .action(action(async (g, o: { dir?: string }) => (await load()).runBackupList(io, g, o)));
  backup
    .command('verify <id>')
    .description('re-check sizes and sha256 of a backup (`latest` for the newest); exit 1 on any mismatch')
    .option('--restore', 'also restore it into a scratch database and compare row counts')
    .option(...DIR)
    .action(action(async (g, id: string, o: { dir?: string; restore?: boolean }) => (await load()).runBackupVerify(io, g, id, o)));
  backup
    .command('restore <id>')
    .description('replace database and media with a backup, after a safety backup; stops/starts installed ttops units')
    .option('--yes', 'do not ask for confirmation (required without a terminal)')
    .option('--with-env', "also restore the backup's env file (secrets) over the current one")
    .option(...DIR)
    .action(action(async (g, id: string, o: { dir?: string; yes?: boolean; withEnv?: boolean }) => (await load()).runBackupRestore(io, g, id, o)));
  backup
    .command('prune')
    .description('delete backups outside the daily/weekly/monthly retention (the newest is always kept)')
    .option('--keep-daily <n>', 'newest backup of each of the last N days that have one', int(0, 10_000), 7)
    .option('--keep-weekly <n>', 'newest backup of each of the last N ISO weeks that have one', int(0, 10_000), 4)
    .option('--keep-monthly <n>', 'newest backup of each of the last N months that have one', int(0, 10_000), 6)
    .option('--dry-run', 'show what would be deleted, delete nothing')
    .option(...DIR)
    .action(
      action(async (g, o: { dir?: string; keepDaily: number; keepWeekly: number; keepMonthly: number; dryRun?: boolean }) => (await load()).runBackupPrune(io, g, o)),
    );
};
