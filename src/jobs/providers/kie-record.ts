/**
 * The provider's task record, read from `recordInfo` or from a completion callback. Kept
 * apart from the client so the API's callback route can parse a callback without
 * pulling in HTTP code.
 */
import { asObject } from './http.js';

/** Provider task states; `waiting`, `queuing` and `generating` mean "poll again later". */
export type KieTaskState = 'waiting' | 'queuing' | 'generating' | 'success' | 'fail';

/** What the worker needs from a task: its state, the videos, or why it failed. */
export interface KieTaskRecord {
  taskId: string;
  state: KieTaskState;
  /** Set on `success`; never empty (an empty success is reported as malformed). */
  resultUrls?: string[];
  /** Set on `fail`, as the provider sent it (stringified). */
  failCode?: string;
  failMsg?: string;
}

/** Why a record could not be read; the client turns it into a permanent ProviderError. */
export type KieRecordProblem = 'no_data' | 'no_task_id' | 'no_result_urls';

const KNOWN_STATES: ReadonlySet<string> = new Set(['waiting', 'queuing', 'generating', 'success', 'fail']);

/** Whether the worker should stop polling this task. */
export function isFinished(record: KieTaskRecord): boolean {
  return record.state === 'success' || record.state === 'fail';
}

/**
 * Reads the `data` object of recordInfo or of a callback. Unknown states are read as
 * `generating`: a new provider state should keep a job polling, not fail and refund it.
 */
export function parseKieTaskRecord(data: unknown): KieTaskRecord | KieRecordProblem {
  const d = asObject(data);
  if (!d) return 'no_data';
  const taskId = typeof d.taskId === 'string' && d.taskId ? d.taskId : undefined;
  if (!taskId) return 'no_task_id';
  const rawState = typeof d.state === 'string' ? d.state.toLowerCase() : '';
  const state = (KNOWN_STATES.has(rawState) ? rawState : 'generating') as KieTaskState;
  if (state === 'success') {
    const resultUrls = readResultUrls(d.resultJson);
    return resultUrls.length > 0 ? { taskId, state, resultUrls } : 'no_result_urls';
  }
  if (state === 'fail') {
    const record: KieTaskRecord = { taskId, state };
    if (d.failCode !== undefined && d.failCode !== null && d.failCode !== '') record.failCode = String(d.failCode);
    if (typeof d.failMsg === 'string' && d.failMsg) record.failMsg = d.failMsg;
    return record;
  }
  return { taskId, state };
}

/** Reads a completion callback body (`{code, msg, data}`); the same record shape as recordInfo. */
export function parseKieCallback(body: unknown): KieTaskRecord | KieRecordProblem {
  return parseKieTaskRecord(asObject(body)?.data);
}

function readResultUrls(resultJson: unknown): string[] {
  let parsed: unknown = resultJson;
  if (typeof resultJson === 'string') {
    try {
      parsed = JSON.parse(resultJson) as unknown;
    } catch {
      return [];
    }
  }
  const urls = asObject(parsed)?.resultUrls;
  return Array.isArray(urls) ? urls.filter((u): u is string => typeof u === 'string' && u.length > 0) : [];
}
