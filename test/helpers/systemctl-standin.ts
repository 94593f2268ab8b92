/**
 * A stand-in for `systemctl` (systemd cannot run in tests): a small executable that records
 * every call and keeps unit state in a JSON file, so `scale`, `deploy` and `restore` can be
 * exercised and their calls asserted. Point TTOPS_SYSTEMCTL at `bin`.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/** State of one unit as the stand-in reports it. */
export interface UnitState {
  enabled?: boolean;
  active?: boolean;
}

/** The stand-in's files and helpers. */
export interface SystemctlStandin {
  /** Path of the executable (use as TTOPS_SYSTEMCTL). */
  bin: string;
  /** Every call's argv, in order. */
  calls(): string[][];
  state(): Record<string, UnitState>;
  setUnit(unit: string, state: UnitState): void;
  /**
   * Makes calls whose argv joined by spaces equals `command` exit 1 with `message` (an empty
   * message clears it); with `times`, only the next `times` such calls fail.
   */
  failOn(command: string, message: string, times?: number): void;
}

const SCRIPT = `#!/usr/bin/env node
const fs = require('fs');
const dir = __dirname;
const args = process.argv.slice(2);
fs.appendFileSync(dir + '/calls.jsonl', JSON.stringify(args) + '\\n');
const file = dir + '/state.json';
const st = JSON.parse(fs.readFileSync(file, 'utf8'));
// Atomic, and only after a change: ttops runs read-only calls side by side, and a reader
// that caught a half-written file reported every unit inactive.
const save = () => { fs.writeFileSync(file + '.' + process.pid, JSON.stringify(st)); fs.renameSync(file + '.' + process.pid, file); };
const key = args.join(' ');
const failing = st.fail[key];
if (failing) {
  const message = typeof failing === 'string' ? failing : failing.message;
  if (typeof failing === 'object') { if (--failing.times <= 0) delete st.fail[key]; save(); }
  process.stderr.write(message + '\\n');
  process.exit(1);
}
const flags = args.filter((a) => a.startsWith('-'));
const [verb, ...rest] = args.filter((a) => !a.startsWith('-'));
const unit = (u) => (u.includes('.') ? u : u + '.service');
const units = rest.map(unit);
const get = (u) => (st.units[u] ??= { enabled: false, active: false });
switch (verb) {
  case 'enable': units.forEach((u) => { get(u).enabled = true; if (flags.includes('--now')) get(u).active = true; }); break;
  case 'disable': units.forEach((u) => { get(u).enabled = false; if (flags.includes('--now')) get(u).active = false; }); break;
  case 'start': case 'restart': case 'reload-or-restart': units.forEach((u) => (get(u).active = true)); break;
  case 'stop': units.forEach((u) => (get(u).active = false)); break;
  case 'is-enabled': { const ok = units.every((u) => st.units[u]?.enabled); console.log(ok ? 'enabled' : 'disabled'); process.exit(ok ? 0 : 1); }
  case 'is-active': { const ok = units.every((u) => st.units[u]?.active); console.log(ok ? 'active' : 'inactive'); process.exit(ok ? 0 : 3); }
  case 'list-units': case 'list-unit-files': {
    const pattern = rest[0] ? new RegExp('^' + rest[0].replace(/[.+^$()|[\\]\\\\]/g, '\\\\$&').replace(/\\*/g, '.*') + '$') : /.*/;
    for (const [u, s] of Object.entries(st.units)) if (pattern.test(u)) console.log(verb === 'list-units' ? u + ' loaded ' + (s.active ? 'active running' : 'inactive dead') + ' ttops' : u + ' ' + (s.enabled ? 'enabled' : 'disabled'));
    break;
  }
  case 'show': { const u = st.units[units[0]] || {}; console.log('ActiveState=' + (u.active ? 'active' : 'inactive')); console.log('UnitFileState=' + (u.enabled ? 'enabled' : 'disabled')); break; }
  default: break;
}
if (['enable', 'disable', 'start', 'restart', 'reload-or-restart', 'stop'].includes(verb)) save();
`;

/** Installs the stand-in into `dir` (created if needed). */
export function installSystemctlStandin(dir: string, units: Record<string, UnitState> = {}): SystemctlStandin {
  mkdirSync(dir, { recursive: true });
  const bin = path.join(dir, 'systemctl');
  const stateFile = path.join(dir, 'state.json');
  const callsFile = path.join(dir, 'calls.jsonl');
  // The stand-in is CommonJS (require), so keep it out of the package's "type": "module".
  writeFileSync(path.join(dir, 'package.json'), '{"type":"commonjs"}\n');
  writeFileSync(bin, SCRIPT);
  chmodSync(bin, 0o755);
  writeFileSync(stateFile, JSON.stringify({ units, fail: {} }));
  writeFileSync(callsFile, '');
  const read = () => JSON.parse(readFileSync(stateFile, 'utf8')) as { units: Record<string, UnitState>; fail: Record<string, string | { message: string; times: number }> };
  return {
    bin,
    calls: () => (existsSync(callsFile) ? readFileSync(callsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []),
    state: () => read().units,
    setUnit(unit, state) {
      const s = read();
      s.units[unit] = { ...s.units[unit], ...state };
      writeFileSync(stateFile, JSON.stringify(s));
    },
    failOn(command, message, times) {
      const s = read();
      s.fail[command] = times === undefined ? message : { message, times };
      writeFileSync(stateFile, JSON.stringify(s));
    },
  };
}
