/** Running the real `ttops` binary as a subprocess, the way users and CI do. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The real entry users run (a small sh wrapper around bin/ttops.js). */
export const BIN = fileURLToPath(new URL('../../../bin/ttops', import.meta.url));
/** The node entry behind it (for tests that signal the process directly). */
export const BIN_JS = fileURLToPath(new URL('../../../bin/ttops.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: only what the test gives, plus PATH and HOME. */
export function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

/** Runs `ttops args…` to completion. */
export function ttops(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { env: cleanEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `ttops serve --port 0` and resolves with its base URL once it listens. */
export function startServe(env: Record<string, string>, extraArgs: string[] = []): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', '--host', '127.0.0.1', '--port', '0', ...extraArgs], { env: cleanEnv({ LOG_LEVEL: 'warn', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (m) resolve({ url: m[1], child, stderr: () => stderr });
    });
    child.stdout.resume();
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
}

/** Sends a signal and resolves with the exit code (or the signal's name if it killed the process). */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? child.signalCode);
    child.removeAllListeners('exit');
    child.on('exit', (code, killedBy) => resolve(code ?? killedBy));
    child.kill(signal);
  });
}
