/**
 * Where the package's own files are at run time. Compiled code lives in dist/src/, so the
 * package root (templates/, migrations/, …) is resolved from this file, not from the cwd.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Absolute path of the installed ttops package. */
export function packageRoot(): string {
  // dist/src/paths.js → ../../ is the package root.
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** Absolute path of a file shipped with the package. */
export function packagePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
