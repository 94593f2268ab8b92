/**
 * Runs one external audio tool (espeak-ng, lame) with bytes on stdin and collects stdout,
 * bounded in time and size: a stuck or runaway process is killed, never waited on forever.
 */
import { spawn } from 'node:child_process';
import { ttsAborted, ttsFailure } from './engine.js';

/** Limits for one run; `engine` names the failure. */
export interface PipeOptions {
  engine: string;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

/** Spawns `argv` (never through a shell), writes `input`, resolves with stdout when it exits 0. */
export function runPiped(argv: readonly string[], input: Buffer | string, options: PipeOptions): Promise<Buffer> {
  const { engine, signal } = options;
  if (signal?.aborted) return Promise.reject(ttsAborted(engine, signal));
  return new Promise<Buffer>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let settled = false;
    const finish = (error: Error | undefined, output?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(error);
      } else resolve(output!);
    };
    const onAbort = () => finish(ttsAborted(engine, signal));
    const timer = setTimeout(
      () => finish(ttsFailure(engine, 'timeout', `${argv[0]} did not finish within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => finish(ttsFailure(engine, 'process_failed', `cannot run ${argv[0]}: ${error.message}`, error)));
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxBytes) finish(ttsFailure(engine, 'too_large', `${argv[0]} wrote more than ${options.maxBytes} bytes`));
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 2000) stderr += chunk.toString('utf8');
    });
    child.on('close', (code, killedBy) => {
      if (code === 0) finish(undefined, Buffer.concat(chunks));
      else {
        const why = stderr.trim().split('\n')[0] || `exit ${code ?? killedBy}`;
        finish(ttsFailure(engine, 'process_failed', `${argv[0]} failed: ${why}`));
      }
    });
    child.stdin.on('error', () => undefined); // EPIPE when the tool exits early; 'close' reports it
    child.stdin.end(input);
  });
}
