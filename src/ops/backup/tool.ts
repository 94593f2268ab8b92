/** Tool versions for backup manifests. */
import { runCommand } from '../runner.js';

/** First line of `tool --version`, or "unavailable" (recorded in the manifest, never fatal). */
export async function toolVersion(bin: string): Promise<string> {
  try {
    return (await runCommand({ argv: [bin, '--version'], why: `read the ${bin} version` })).stdout.split('\n')[0].trim();
  } catch {
    return 'unavailable';
  }
}
