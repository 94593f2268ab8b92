/**
 * `ttops backup create`: dump the database and archive the media side by side into a temp
 * folder, copy the env file, check what was written, write manifest.json, then rename the
 * folder into place. A backup that `list` shows as ok is complete by construction; any
 * failure removes the temp folder and throws.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { FailureError } from '../../errors.js';
import { packagePath } from '../../paths.js';
import { openStore, sqliteFile } from '../../store/open.js';
import { checkWritten } from './checks.js';
import { makeBackupEngine } from './engines.js';
import { adoptOwner, copyPrivate, describeFile } from './files.js';
import { FILES, makeBackupId, TEMP_PREFIX } from './layout.js';
import { MANIFEST_FORMAT, manifestSize, renderManifest, type Manifest, type ManifestFile } from './manifest.js';
import { archiveMedia } from './media.js';
import { toolVersion } from './tool.js';

/** Where and when to back up (the clock is injectable for tests). */
export interface CreateOptions {
  dir: string;
  now?: Date;
}

/** What `create` prints (`--json`). */
export interface CreateResult {
  id: string;
  path: string;
  created_at: string;
  engine: Manifest['engine'];
  size: number;
  tables: number;
  rows: number;
  media_files: number;
  env_file: string | null;
  duration_ms: number;
}

/** The installed ttops version, recorded in every manifest. */
export function ttopsVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

/** Writes one complete, checked backup into `options.dir` and returns where it is. */
export async function createBackup(config: Config, options: CreateOptions): Promise<CreateResult> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const id = makeBackupId(now);
  const engine = makeBackupEngine(config);
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const temp = path.join(options.dir, `${TEMP_PREFIX}${id}`);
  const final = path.join(options.dir, id);
  mkdirSync(temp, { mode: 0o700 });
  try {
    const dumpFile = path.join(temp, engine.dumpName);
    // Everything independent runs side by side: the dump, the media archive, the store's own view.
    const facts = storeFacts(config);
    facts.catch(() => {});
    const tarVersion = toolVersion('tar');
    const [dump, media] = await settled(engine.dump(dumpFile), archiveMedia(config.mediaDir, path.join(temp, FILES.media), options.dir));
    const envFile = config.envFile && existsSync(config.envFile) ? config.envFile : null;
    if (envFile) copyPrivate(envFile, path.join(temp, FILES.env));

    const [files, dumpTables, store] = await Promise.all([
      Promise.all([
        describeFile(temp, engine.dumpName, 'db'),
        describeFile(temp, FILES.media, 'media'),
        ...(envFile ? [describeFile(temp, FILES.env, 'env')] : []),
      ]),
      engine.dumpTables(dumpFile, dump.pgSchema),
      facts,
    ]);
    const problem = checkWritten({
      engine: engine.engine,
      dumpName: engine.dumpName,
      dumpSize: files[0].size,
      dumpTables,
      storeTables: store.tables,
      bookkeeping: engine.bookkeeping,
      countedTables: Object.keys(dump.tables),
    });
    if (problem) throw new FailureError('backup_check_failed', `backup ${id} was not kept: ${problem}`);

    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      id,
      ttops_version: ttopsVersion(),
      created_at: now.toISOString(),
      engine: engine.engine,
      database: engine.database,
      ...(dump.pgSchema ? { pg_schema: dump.pgSchema } : {}),
      migrations: store.migrations,
      tables: dump.tables,
      media: { dir: config.mediaDir, files: media.files, present: media.present },
      env_file: envFile,
      files,
      tools: { ...dump.tools, tar: await tarVersion },
      node: process.version,
      host: hostname(),
      duration_ms: Date.now() - started,
    };
    writeFileSync(path.join(temp, FILES.manifest), renderManifest(manifest), { mode: 0o600 });
    const written = [...files.map((f) => f.name), FILES.manifest].map((f) => path.join(temp, f));
    adoptOwner([temp, ...written], options.dir);
    for (const f of written) fsyncPath(f);
    fsyncPath(temp);
    renameSync(temp, final);
    fsyncPath(options.dir);
    return {
      id,
      path: final,
      created_at: manifest.created_at,
      engine: manifest.engine,
      size: manifestSize(manifest),
      tables: Object.keys(manifest.tables).length,
      rows: Object.values(manifest.tables).reduce((a, b) => a + b, 0),
      media_files: media.files,
      env_file: envFile,
      duration_ms: Date.now() - started,
    };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

/** Whether the configured database exists and has tables (a fresh box has nothing to keep a safety copy of). */
export async function hasData(config: Config): Promise<boolean> {
  if (!config.databaseUrl && !existsSync(sqliteFile(config))) return false;
  return (await storeFacts(config)).tables.length > 0;
}

/** Applied migrations and table names, from the store itself (never migrating: a backup must work with pending migrations). */
async function storeFacts(config: Config): Promise<{ migrations: string[]; tables: string[] }> {
  const file = sqliteFile(config);
  if (!config.databaseUrl && !existsSync(file)) throw new FailureError('no_database', `there is no database at ${file} — nothing to back up (run \`ttops migrate up\` first)`);
  const store = await openStore(config);
  try {
    const status = await store.migrationStatus();
    return { migrations: status.filter((m) => m.applied).map((m) => m.name), tables: Object.keys(await store.describeTables()) };
  } finally {
    await store.close();
  }
}

/** Both results, or the first failure once both have finished (so nothing writes into a folder being removed). */
async function settled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

/** Flushes a file or folder to disk: a backup that vanishes on power loss is no backup. */
function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
