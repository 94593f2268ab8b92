/**
 * `manifest.json`: what a backup holds and how to check it — every file with size and
 * sha256, per-table row counts, the schema version and the tools that wrote it. The schema
 * here is the format's documentation; parsing is pure so `list` and `verify` agree.
 */
import { z } from 'zod';

/** Bumped only when an old ttops could no longer read a new manifest. */
export const MANIFEST_FORMAT = 1;

const fileSchema = z.object({
  name: z.string().regex(/^[\w.-]+$/, 'a plain file name'),
  kind: z.enum(['db', 'media', 'env']),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  id: z.string(),
  ttops_version: z.string(),
  created_at: z.string(),
  engine: z.enum(['sqlite', 'postgres']),
  /** Database the dump came from: host/name for PostgreSQL (no password), the file for SQLite. */
  database: z.string(),
  /** PostgreSQL schema the tables live in (counts and restores use it). */
  pg_schema: z.string().optional(),
  /** Applied migrations, in order: the schema version. */
  migrations: z.array(z.string()),
  /** Row count per table as of the dump. */
  tables: z.record(z.string(), z.number().int().nonnegative()),
  media: z.object({ dir: z.string(), files: z.number().int().nonnegative(), present: z.boolean() }),
  /** Where the env file was read from, when one was in use (and copied as `ttops.env`). */
  env_file: z.string().nullable(),
  files: z.array(fileSchema).min(1),
  tools: z.record(z.string(), z.string()),
  node: z.string(),
  host: z.string(),
  duration_ms: z.number().nonnegative(),
});

/** A parsed manifest. */
export type Manifest = z.infer<typeof manifestSchema>;
/** One file entry of a manifest. */
export type ManifestFile = z.infer<typeof fileSchema>;

/** Parses manifest text; the error is one phrase saying what is wrong (for `list` and `verify`). */
export function parseManifest(text: string): { ok: true; manifest: Manifest } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'manifest.json is not valid JSON (truncated?)' };
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { ok: false, error: `manifest.json is invalid at ${issue.path.join('.') || 'top level'}: ${issue.message}` };
  }
  return { ok: true, manifest: result.data };
}

/** The manifest as written to disk: stable key order, trailing newline. */
export function renderManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`;
}

/** Total bytes of the files a manifest lists (what `list` shows as size). */
export function manifestSize(manifest: Manifest): number {
  return manifest.files.reduce((sum, f) => sum + f.size, 0);
}

/**
 * Compares per-table row counts of a restore with the manifest; returns the first mismatch as
 * a sentence naming the table, or undefined when they agree.
 */
export function compareCounts(expected: Record<string, number>, actual: Record<string, number>, where: string): string | undefined {
  for (const [table, rows] of Object.entries(expected)) {
    if (!(table in actual)) return `table ${table} is missing from ${where} (the manifest lists ${rows} rows)`;
    if (actual[table] !== rows) return `table ${table} has ${actual[table]} rows in ${where} but the manifest says ${rows}`;
  }
  const extra = Object.keys(actual).find((t) => !(t in expected));
  return extra ? `table ${extra} is in ${where} but not in the manifest` : undefined;
}
