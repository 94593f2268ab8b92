/** Declarations of the live commands: `live replay`. */
import { InvalidArgumentError } from 'commander';
import type { Register } from './types.js';

/** A replay speed: a positive number (2 = twice as fast). */
function speed(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > 1000) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a speed — pass a number above 0 and up to 1000, such as 1, 2 or 0.5`);
  return n;
}

/** Registers `live`. */
export const register: Register = (program, io, action) => {
  const live = program.command('live').description('the live listener: replays for demos and tests');
  live
    .command('replay')
    .description("play a JSONL replay as a streamer's live session: their sockets on every serve get the events and actions; the session is recorded")
    .argument('<file>', 'JSONL file of events (the POST /v2/live/simulate shape, plus optional delay_ms)')
    .requiredOption('--user <name>', 'the streamer (the username they log in with)')
    .option('--speed <x>', 'playback speed: 1 = recorded pace, 10 = ten times faster', speed, 1)
    .action(action(async (g, file: string, o: { user: string; speed: number }) => (await import('../commands/live.js')).runLiveReplay(io, g, file, o)));
};
