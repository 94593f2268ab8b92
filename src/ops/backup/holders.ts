/**
 * Which other processes hold a file open, read from /proc: a restore must not swap the SQLite
 * file under a running `ttops serve` (it would keep writing to the old, unlinked file and
 * those writes would silently vanish). Linux only; elsewhere it finds nothing.
 */
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** Pids (other than ours) with `file` or its -wal open. Processes we may not inspect are skipped. */
export function processesHolding(file: string): number[] {
  if (!existsSync('/proc/self/fd')) return [];
  const target = path.resolve(file);
  const targets = new Set([target, `${target}-wal`]);
  const holders: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // another user's process, or it exited
    }
    for (const fd of fds) {
      try {
        if (targets.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) {
          holders.push(Number(entry));
          break;
        }
      } catch {
        // the descriptor closed meanwhile
      }
    }
  }
  return holders;
}
