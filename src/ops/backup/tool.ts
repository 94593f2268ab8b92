/**
 * Running the backup tools (pg_dump, pg_restore, tar, systemctl): planned argv arrays, never
 * shell strings. Two differences from the shared runner: `env` carries PGPASSWORD so the
 * password never appears in argv (`ps`) or in messages, and it spawns with node's own
 * child_process — importing execa costs ~150 ms, which is a tenth of a whole backup on the
 * bench (see BENCHMARKS.md, "Backup").
 */
import { execFile } from 'node:child_process';
import { FailureError } from '../../errors.js';
import { Secret, type Arg, type PlannedCommand } from '../plan.js';

/** A planned command that may need extra environment (secrets wrapped). */
export interface ToolCommand extends PlannedCommand {
  env?: Record<string, Arg>;
}

const unwrap = (a: Arg) => (a instanceof Secret ? a.value : a);

/** Runs one tool command; throws FailureError naming the command (secrets redacted) and its stderr. */
export function runTool(command: ToolCommand): Promise<{ stdout: string; stderr: string }> {
  const [file, ...args] = command.argv.map(unwrap);
  const env = command.env ? { ...process.env, ...Object.fromEntries(Object.entries(command.env).map(([k, v]) => [k, unwrap(v)])) } : process.env;
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env, maxBuffer: 256 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      const detail = missing ? `${file} is not installed or not on PATH${file.startsWith('pg_') ? ' (Debian: apt install postgresql-client)' : ''}` : (stderr || error.message).trim().split('\n').slice(-5).join('\n');
      reject(new FailureError('command_failed', `${command.why}: \`${command.argv.map(String).join(' ')}\` failed — ${redactSecrets(detail, command)}`, { cause: error }));
    });
    child.stdin?.end();
  });
}

function redactSecrets(text: string, command: ToolCommand): string {
  let out = text;
  for (const v of [...command.argv, ...Object.values(command.env ?? {})]) {
    if (v instanceof Secret && v.value) out = out.split(v.value).join(String(v));
  }
  return out;
}

/** First line of `tool --version`, or "unavailable" (recorded in the manifest, never fatal). */
export async function toolVersion(bin: string): Promise<string> {
  try {
    return (await runTool({ argv: [bin, '--version'], why: `read the ${bin} version` })).stdout.split('\n')[0].trim();
  } catch {
    return 'unavailable';
  }
}
