/**
 * The release log, `<appDir>/releases.jsonl`: one JSON object per deploy or rollback
 * (Deployer's releases_log). It tells rollback which releases failed their health gate
 * and which schema level each one left the database at.
 */
import type { PlannedFile } from '../plan.js';
import { releaseLogPath } from './layout.js';

/** One line of the release log. */
export interface ReleaseRecord {
  /** The release that became (or stayed) current. */
  id: string;
  /** Package version of that release. */
  version: string;
  /** ISO-8601 UTC time of the event. */
  time: string;
  /** What happened: a deploy, an operator's rollback, or the gate switching back by itself. */
  event: 'deploy' | 'rollback' | 'auto-rollback';
  /** Newest migration applied to the database after the event (the schema level). */
  migration: string | null;
  /** The health gate's answer; `skipped` with --root. */
  health: 'pass' | 'warn' | 'fail' | 'skipped';
  /** What `current` pointed at before. */
  previous: string | null;
  /** One sentence for people (why it failed, what was switched back). */
  note?: string;
}

/** The records of a log text; lines that are not records are skipped, not fatal. */
export function parseReleaseLog(text: string): ReleaseRecord[] {
  const records: ReleaseRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const record = JSON.parse(line) as ReleaseRecord;
      if (typeof record?.id === 'string' && typeof record.event === 'string') records.push(record);
    } catch {
      // A torn or hand-edited line: keep reading the rest.
    }
  }
  return records;
}

/** The log file with one more record, written whole by the runner (temp file + rename). */
export function planReleaseRecord(appDir: string, existing: string, record: ReleaseRecord): PlannedFile {
  const base = existing && !existing.endsWith('\n') ? `${existing}\n` : existing;
  return { path: releaseLogPath(appDir), mode: 0o644, content: `${base}${JSON.stringify(record)}\n` };
}

/** Releases whose last deploy failed its health gate: rollback skips them unless named. */
export function failedReleases(records: readonly ReleaseRecord[]): Set<string> {
  const last = new Map<string, ReleaseRecord>();
  for (const record of records) if (record.event === 'deploy') last.set(record.id, record);
  return new Set([...last.values()].filter((r) => r.health === 'fail').map((r) => r.id));
}
