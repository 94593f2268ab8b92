/** `ttops config`: the resolved configuration, secrets redacted, each value with where it came from. */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Config } from '../../config/load.js';
import { describeConfig, REDACTED } from '../../config/redact.js';
import { devSecretsFile } from '../../config/secrets.js';
import { commandConfig } from '../context.js';
import { printResult, table, type GlobalOptions, type Io } from '../io.js';

/** Where a value came from: the environment, the env file, dev's generated secrets file, or the default. */
export type ConfigSource = 'env' | 'env_file' | 'dev_secrets' | 'default';

/** One row of `ttops config`; `file` names the env file or secrets file the value is in. */
export interface SourcedRow {
  name: string;
  value: string | null;
  source: ConfigSource;
  file: string | null;
  description: string;
}

const GENERATED = ['JWT_SECRET', 'ADMIN_API_KEY'];

/** The rows with their sources; dev's generated secrets are read (never created) and shown redacted. */
export function sourcedRows(config: Config): SourcedRow[] {
  const secretsFile = devSecretsFile(config);
  const generated = config.env === 'dev' && existsSync(secretsFile) ? (parseEnv(readFileSync(secretsFile, 'utf8')) as Record<string, string>) : {};
  return describeConfig(config).map((row) => {
    const given = config.sources?.[row.name];
    if (given) return { ...row, source: given, file: given === 'env_file' ? (config.envFile ?? null) : null };
    if (config.env === 'dev' && GENERATED.includes(row.name)) {
      if (generated[row.name]) return { ...row, value: REDACTED, source: 'dev_secrets', file: secretsFile };
      return { ...row, source: 'default', file: secretsFile, description: `${row.description} (dev: \`ttops serve\` generates it into ${secretsFile})` };
    }
    return { ...row, source: 'default', file: null };
  });
}

/** Prints every setting with its effective value and source. */
export async function runConfig(io: Io, globals: GlobalOptions): Promise<void> {
  const config = commandConfig(io, globals);
  const rows = sourcedRows(config);
  const data = { env_file: config.envFile ?? null, engine: config.databaseUrl ? 'postgres' : 'sqlite', settings: rows };
  const shown = rows.map((r) => ({ ...r, source: r.source === 'env' || r.source === 'default' ? (r.source === 'default' && r.file ? `default (generated into ${r.file} on first serve)` : r.source) : r.file }));
  printResult(io, globals, data, () => `${config.envFile ? `env file: ${config.envFile}\n` : ''}${table(shown as unknown as Record<string, unknown>[], ['name', 'value', 'source'])}`);
}
