/**
 * Runs journalctl with the terminal handed over (stdio inherited, nothing captured), so
 * `--follow` streams and Ctrl-C stops journalctl while ttops waits and exits cleanly.
 */
import { spawn } from 'node:child_process';
import { UnreachableError } from '../../errors.js';

/** Runs `argv` with inherited stdio; resolves with its exit code (0 when stopped by Ctrl-C). */
export function runInherited(argv: readonly string[]): Promise<number> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    // The terminal sends SIGINT to the whole group: let the child end and report, not us.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    const child = spawn(file, args, { stdio: 'inherit' });
    const done = () => process.off('SIGINT', ignore);
    child.on('error', (error: NodeJS.ErrnoException) => {
      done();
      reject(new UnreachableError('journalctl_unavailable', `cannot run \`${file}\` (${error.code ?? error.message}) — install systemd's journalctl or set TTOPS_JOURNALCTL`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      done();
      resolve(signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : (code ?? 1));
    });
  });
}
