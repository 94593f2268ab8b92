/**
 * The replay source: a JSONL file of normalised events with timing, for demos, tests and
 * `ttops live replay FILE --user NAME`.
 *
 * Format: one JSON object per line (blank lines ignored), each a normalised event exactly as
 * `POST /v2/live/simulate` takes it (unknown fields refused), plus an optional `delay_ms`:
 * how long to wait after the previous line. Without `delay_ms`, two lines that both carry
 * `at` are spaced by the difference of their `at`s; otherwise there is no wait. Waits are
 * divided by `speed` (Infinity = no waits). Lines without `msg_id` get a fresh one each run,
 * so replaying a file twice acts twice; lines with one are deduplicated like live events.
 */
import { readFile } from 'node:fs/promises';
import { InvalidInputError, NotFoundError, isTtopsError } from '../../errors.js';
import { parseLiveEvent, type LiveEvent } from '../event.js';
import { sleep, type LiveSource, type SourceItem } from '../source.js';

/** Longest wait one line may ask for. */
export const MAX_REPLAY_DELAY_MS = 3_600_000;

/** One parsed line: the event (without a generated msg_id/at yet) and the wait before it. */
export interface ReplayLine {
  /** The line's fields, validated; `parseLiveEvent` runs again at emit time to fill msg_id and at. */
  body: Record<string, unknown>;
  delayMs: number;
}

/** Parses and validates a whole replay file up front, or throws `invalid_replay` naming the line. */
export function parseReplay(text: string): ReplayLine[] {
  const lines: ReplayLine[] = [];
  let prevAt: number | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    const where = `Replay line ${index + 1}`;
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new InvalidInputError('invalid_replay', `${where} is not valid JSON; each line must be one JSON object.`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('invalid_replay', `${where} must be a JSON object.`);
    const { delay_ms, ...fields } = body as Record<string, unknown>;
    if (delay_ms !== undefined && !(typeof delay_ms === 'number' && Number.isInteger(delay_ms) && delay_ms >= 0 && delay_ms <= MAX_REPLAY_DELAY_MS)) {
      throw new InvalidInputError('invalid_replay', `${where}: delay_ms must be a whole number of milliseconds from 0 to ${MAX_REPLAY_DELAY_MS}.`);
    }
    let event: LiveEvent;
    try {
      event = parseLiveEvent(fields, { strict: true, now: 0, makeId: () => '-' });
    } catch (error) {
      throw new InvalidInputError('invalid_replay', `${where}: ${isTtopsError(error) ? error.message : String(error)}`);
    }
    const at = fields.at === undefined ? undefined : event.at;
    const fromAt = at !== undefined && prevAt !== undefined ? Math.min(Math.max(at - prevAt, 0), MAX_REPLAY_DELAY_MS) : 0;
    lines.push({ body: fields, delayMs: typeof delay_ms === 'number' ? delay_ms : fromAt });
    if (at !== undefined) prevAt = at;
  });
  return lines;
}

/** Reads and validates a replay file, or throws `replay_not_found` / `invalid_replay`. */
export async function readReplayFile(path: string): Promise<ReplayLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new NotFoundError('replay_not_found', `Cannot read the replay file ${path}; check the path.`, { cause: error });
  }
  return parseReplay(text);
}

/** Options of the replay source. */
export interface ReplayOptions {
  lines: ReplayLine[];
  /** 1 = recorded pace, 10 = ten times faster, Infinity = no waits. */
  speed?: number;
  /** Clock for lines without `at` (epoch ms). */
  now?: () => number;
}

/** A source that plays parsed replay lines, then reports `offline` and ends. */
export function makeReplaySource(options: ReplayOptions): LiveSource {
  const speed = options.speed ?? 1;
  if (!(speed > 0)) throw new InvalidInputError('invalid_speed', 'The replay speed must be a positive number.');
  const now = options.now ?? Date.now;
  return {
    name: 'replay',
    async *follow(uniqueId: string, signal: AbortSignal): AsyncIterable<SourceItem> {
      if (signal.aborted) return;
      yield { kind: 'status', status: 'connecting' };
      yield { kind: 'status', status: 'live', message: `Replaying ${options.lines.length} events for @${uniqueId}.` };
      for (const line of options.lines) {
        const wait = Number.isFinite(speed) ? Math.round(line.delayMs / speed) : 0;
        if (!(await sleep(wait, signal))) return;
        yield { kind: 'event', event: parseLiveEvent(line.body, { strict: true, now: now() }) };
        if (signal.aborted) return;
      }
      yield { kind: 'status', status: 'offline', message: 'The replay has finished.' };
    },
  };
}
