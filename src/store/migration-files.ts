/**
 * The numbered migration steps shipped in `migrations/<engine>/`. Both engines follow the
 * same numbers; each file holds `-- Up Migration` and `-- Down Migration` sections
 * (node-pg-migrate's SQL format, which the SQLite runner reads too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packagePath } from '../paths.js';
import type { Engine } from './types.js';

/** One migration step on disk. */
export interface MigrationFile {
  /** File name without `.sql`, e.g. `0001_foundation`. */
  name: string;
  file: string;
}

/** The directory holding an engine's migrations. */
export function migrationsDir(engine: Engine): string {
  return packagePath('migrations', engine === 'postgres' ? 'pg' : 'sqlite');
}

/** The engine's migration files in the order they apply. */
export function listMigrationFiles(engine: Engine): MigrationFile[] {
  const dir = migrationsDir(engine);
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ name: f.slice(0, -4), file: path.join(dir, f) }));
}

/** The up and down SQL of one file. */
export function readMigration(file: string): { up: string; down: string } {
  const text = readFileSync(file, 'utf8');
  const down = text.search(/^\s*--[\s-]*down\s+migration/im);
  const up = text.search(/^\s*--[\s-]*up\s+migration/im);
  return { up: text.slice(Math.max(up, 0), down < 0 ? undefined : down), down: down < 0 ? '' : text.slice(down) };
}
