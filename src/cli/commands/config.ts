/** `ttops config`: the resolved configuration, secrets redacted. */
import { describeConfig } from '../../config/redact.js';
import { commandConfig } from '../context.js';
import { printResult, table, type GlobalOptions, type Io } from '../io.js';

/** Prints every setting with its effective value and source. */
export async function runConfig(io: Io, globals: GlobalOptions): Promise<void> {
  const config = commandConfig(io, globals);
  const rows = describeConfig(config);
  const data = { env_file: config.envFile ?? null, engine: config.databaseUrl ? 'postgres' : 'sqlite', settings: rows };
  printResult(io, globals, data, () => `${config.envFile ? `env file: ${config.envFile}\n` : ''}${table(rows as unknown as Record<string, unknown>[], ['name', 'value', 'source'])}`);
}
