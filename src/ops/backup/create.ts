/**
 * `ttops backup create`: dump the database and archive the media side by side into a temp
 * folder, copy the env file, check what was written, write manifest.json, then rename the
 * folder into place. A backup that `list` shows as ok is complete by construction; any
 * failure or interrupt removes the temp folder and throws. While it is written, the temp
 * folder holds the writer's pid, so `prune` can tell a crashed run's leftover from a live one.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Config } from '../../config/load.js';
import { FailureError } from '../../errors.js';
import { packagePath } from '../../paths.js';
import { openStore, sqliteFile } from '../../store/open.js';
import { checkWritten } from './checks.js';
import { throwIfInterrupted, removeOnInterrupt } from '../interrupt.js';
import { NO_PROGRESS, runProgress, watchSizes, type ProgressOptions } from '../progress.js';
import { makeBackupEngine, type DumpResult } from './engines.js';
import { adoptOwner, copyPrivate, describeFile, humanSize } from './files.js';
import { FILES, makeBackupId, renderWriter, TEMP_PREFIX, TEMP_WRITER } from './layout.js';
import { MANIFEST_FORMAT, manifestSize, renderManifest, type Manifest, type ManifestFile } from './manifest.js';
import { archiveMedia } from './media.js';
import { toolVersion } from './tool.js';

/** Where and when to back up (the clock is injectable for tests); `progress` says how to show the steps. */
export interface CreateOptions {
  dir: string;
  now?: Date;
  progress?: ProgressOptions;
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
  // An interrupt removes the folder; a crash leaves the writer's pid for `prune` to judge.
  const keepOnInterrupt = removeOnInterrupt(temp, `removed the unfinished backup folder ${path.basename(temp)}; nothing was kept`);
  writeFileSync(path.join(temp, TEMP_WRITER), renderWriter(), { mode: 0o600 });
  try {
    const dumpFile = path.join(temp, engine.dumpName);
    const mediaFile = path.join(temp, FILES.media);
    let dump!: DumpResult;
    let media!: { present: boolean; files: number };
    let envFile: string | null = null;
    let files!: ManifestFile[];
    let store!: { migrations: string[]; tables: string[] };
    let manifest!: Manifest;
    // Everything independent runs side by side: the dump, the media archive, the store's own view.
    const facts = storeFacts(config);
    facts.catch(() => {});
    const tarVersion = toolVersion('tar');
    tarVersion.catch(() => {});
    await runProgress(
      [
        {
          title: `Dump the ${engine.engine} database and archive ${config.mediaDir}`,
          run: async (step) => {
            const both = settled(engine.dump(dumpFile), archiveMedia(config.mediaDir, mediaFile, options.dir));
            [dump, media] = await watchSizes(step, { db: dumpFile, media: mediaFile }, both, humanSize);
            envFile = config.envFile && existsSync(config.envFile) ? config.envFile : null;
            if (envFile) copyPrivate(envFile, path.join(temp, FILES.env));
            return `db ${humanSize(sizeOf(dumpFile))}, media ${humanSize(sizeOf(mediaFile))} (${media.files} files)${envFile ? ', env file' : ''}`;
          },
        },
        {
          title: 'Check the dump and checksum every file',
          run: async () => {
            let dumpTables: string[];
            [files, dumpTables, store] = await Promise.all([
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
            return `${dumpTables.length} tables, sha256 of ${humanSize(files.reduce((a, f) => a + f.size, 0))}`;
          },
        },
        {
          title: 'Write the manifest and move the backup into place',
          run: async () => {
            manifest = {
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
            rmSync(path.join(temp, TEMP_WRITER), { force: true });
            fsyncPath(temp);
            throwIfInterrupted();
            renameSync(temp, final);
            keepOnInterrupt();
            fsyncPath(options.dir);
            return id;
          },
        },
      ],
      options.progress ?? NO_PROGRESS,
    );
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

function sizeOf(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
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
