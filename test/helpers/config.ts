/** A loaded Config for tests, from explicit env values only (never the machine's env). */
import { loadConfig, type Config } from '../../src/config/load.js';

/** Config with the given env vars on top of a clean environment. */
export function testConfig(env: Record<string, string | undefined>, cwd = '/nonexistent-cwd'): Config {
  return loadConfig({ env: { ...env }, cwd, envFile: false });
}
