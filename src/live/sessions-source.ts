/**
 * Which live source `serve` follows streamers with: `LIVE_SOURCE`, or `tiktok` when the
 * operator installed tiktok-live-connector, else `replay` — which in `serve` has no file to
 * play, so there is no upstream (replays come from `ttops live replay`).
 */
import type { Config } from '../config/load.js';
import type { LiveSource } from './source.js';
import { loadTikTokConnector, makeTikTokSource } from './sources/tiktok.js';

/** The source, or null with the sentence streamers see instead. */
export type ConfiguredSource = { source: LiveSource } | { source: null; detail: string };

/** Shown when `serve` follows nobody upstream. */
export const NO_UPSTREAM = 'This server has no live upstream (LIVE_SOURCE=replay): events come from POST /v2/live/simulate or `ttops live replay`.';

/** Resolves the configured source once; a broken connector install becomes a detail, not a crash. */
export async function resolveLiveSource(config: Pick<Config, 'liveSource' | 'signApiKey'>): Promise<ConfiguredSource> {
  let kind = config.liveSource;
  if (!kind) {
    try {
      kind = (await loadTikTokConnector()) ? 'tiktok' : 'replay';
    } catch {
      return { source: null, detail: 'The TikTok connector is installed but fails to load; reinstall it or set LIVE_SOURCE=replay.' };
    }
  }
  if (kind === 'replay') return { source: null, detail: NO_UPSTREAM };
  return { source: makeTikTokSource({ signApiKey: config.signApiKey }) };
}
