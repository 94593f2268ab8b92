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

/** One step of a terminal session: wait until the screen shows `waitFor`, then type `send`. */
export interface PtyStep {
  waitFor: RegExp;
  send: string;
}

/** Ctrl-C as a terminal sends it. */
export const CTRL_C = '\x03';

/** SGR escape codes (colours, bold, dim); cursor movement is not colour. */
export const SGR = /\x1b\[[\d;]*m/;

/**
 * Runs `ttops args…` on a real pseudo-terminal (util-linux `script`), typing each step's
 * keys once its text appears. `output` is everything the terminal showed (stdout and stderr).
 */
export function ttopsOnPty(args: string[], env: Record<string, string>, options: { cwd?: string; steps?: PtyStep[] } = {}): Promise<{ code: number | null; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  // A wide terminal, so that a prompt never wraps in the middle of the text a step waits for.
  const command = `stty cols 250 rows 50; exec ${[BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: cleanEnv({ TERM: 'xterm-256color', ...env }), cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const steps = [...(options.steps ?? [])];
    let output = '';
    let seen = 0;
    const onData = (d: Buffer) => {
      output += d;
      while (steps.length && steps[0].waitFor.test(output.slice(seen))) {
        seen = output.length;
        child.stdin.write(steps.shift()!.send);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // Not a timing assertion: a guard so that a prompt that never shows fails the test instead of hanging it.
    const guard = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the terminal session did not end; still waiting for ${steps[0]?.waitFor ?? 'exit'}; it showed: ${JSON.stringify(output)}`));
    }, 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    });
  });
}
