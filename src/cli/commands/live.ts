/**
 * `ttops live replay FILE --user NAME [--speed X]`: plays a JSONL replay as that streamer's
 * live session. Events run through the same pipeline as in `serve` (the streamer's triggers,
 * TTS per configuration) and reach their sockets on every `serve` process through the bus;
 * the session and its stats are recorded with source `replay`.
 */
import { NotFoundError } from '../../errors.js';
import { Events } from '../../events.js';
import { PublicUrls } from '../../daemon/public-urls.js';
import { LivePipeline } from '../../live/pipeline.js';
import { RecorderRegistry, SessionRecorder } from '../../live/sessions-recorder.js';
import { followSource } from '../../live/sessions-runner.js';
import { makeReplaySource, readReplayFile } from '../../live/sources/replay.js';
import type { Bus } from '../../store/bus.js';
import { SoundService } from '../../sounds/service.js';
import { parseBannedWords } from '../../tts/clean.js';
import { makeTts } from '../../tts/make.js';
import { commandConfig, withStore } from '../context.js';
import { printResult, say, type GlobalOptions, type Io } from '../io.js';

/** A bus whose publishes can be awaited before the store closes (broadcasts do not wait for them). */
function drainableBus(bus: Bus): Bus & { drain(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    origin: bus.origin,
    publish(topic, data) {
      const p = bus.publish(topic, data);
      const tracked = p.catch(() => {}).finally(() => pending.delete(tracked));
      pending.add(tracked);
      return p;
    },
    subscribe: (listener) => bus.subscribe(listener),
    async drain() {
      while (pending.size) await Promise.all(pending);
    },
  };
}

/** Replays a file as a streamer's live session; resolves once every event was delivered and the session recorded. */
export async function runLiveReplay(io: Io, globals: GlobalOptions, file: string, options: { user: string; speed?: number }): Promise<void> {
  const config = commandConfig(io, globals);
  const lines = await readReplayFile(file);
  const result = await withStore(config, async (store) => {
    const user = await store.findUserByUsername(options.user);
    if (!user) throw new NotFoundError('user_not_found', `no streamer ${options.user} — check the username (the one they log in with)`);
    const handle = user.tiktokUsername ?? user.username ?? `user${user.id}`;
    const events = new Events();
    const bus = drainableBus(store.bus);
    const disconnect = await events.connect(bus);
    const urls = new PublicUrls(config);
    const sounds = new SoundService(store, config.mediaDir, urls, config.limits.soundsPerUser);
    const { tts: t } = config;
    const tts = makeTts({ engine: config.ttsEngine, mediaDir: config.mediaDir, edgeUrl: t.edgeUrl, edgeBudgetMs: t.edgeBudgetMs, voice: t.voice, maxChars: t.maxChars, bannedWords: parseBannedWords(t.bannedWords) });
    const recorders = new RecorderRegistry();
    const pipeline = new LivePipeline({ store, events, tts, soundUrl: (userId, filename) => sounds.url(userId, filename), mediaBaseUrl: () => urls.mediaBaseUrl, onProcessed: recorders.onProcessed });
    let failure: unknown;
    const recorder = new SessionRecorder(store, user.id, handle, 'replay', { flushMs: 1000, batch: 500, maxPending: 20_000, onError: (error) => (failure ??= error) });
    recorders.add(recorder);
    let played = 0;
    try {
      await followSource({
        userId: user.id,
        handle,
        source: makeReplaySource({ lines, speed: options.speed ?? 1 }),
        pipeline: { process: async (u, event) => ((played += 1), pipeline.process(u, event)) },
        recorder,
        findUser: (id) => store.findUserById(id),
        onStatus: (message) => events.broadcast('live:out', { userId: user.id, messages: [message] }),
        signal: new AbortController().signal,
      });
      await recorder.close();
    } finally {
      pipeline.close();
      await bus.drain();
      await disconnect();
    }
    if (failure) throw failure;
    const [session] = await store.listLiveSessions(user.id, 1);
    return { user: options.user, unique_id: handle, events: played, session_id: session?.source === 'replay' ? session.id : null };
  });
  if (!globals.json) say(io, `replayed ${result.events} event(s) from ${file}`);
  printResult(io, globals, result, () => `session ${result.session_id ?? '-'}: ${result.events} event(s) as @${result.unique_id} for ${result.user}`);
}
