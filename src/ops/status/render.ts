/** The status report as one screen of text: one labelled line per part, unknowns say why. */
import { PLAIN, paintState, type Paint } from '../../color.js';
import { isUnknown, type Part, type StatusReport } from './gather.js';

/** Renders the report for people; the words carry the meaning, `paint` (colour on a terminal) only underlines the state words. */
export function renderStatus(r: StatusReport, paint: Paint = PLAIN): string {
  const state = (word: string) => paintState(paint, word);
  const part = <T>(value: Part<T>, show: (v: T) => string) => (isUnknown(value) ? `${paint.warn('unknown')}: ${value.unknown}` : show(value));
  const lines: [string, string][] = [
    ['migrations', part(r.migrations, (m) => (m.pending.length ? `${paint.warn(`${m.pending.length} pending`)} (${m.pending.join(', ')}) — run \`ttops migrate up\`` : `${state('current')} (${m.applied} applied)`))],
    ['services', part(r.services, (s) => Object.entries(s).map(([unit, st]) => `${unit} ${state(st)}`).join(' · '))],
    ['workers', workersLine(r)],
    ['queue', part(r.queue, (q) => Object.entries(q).map(([status, n]) => `${status} ${n}`).join(' · '))],
    ['licenses', part(r.licenses, (l) => Object.entries(l).map(([status, n]) => `${status} ${n}`).join(' · '))],
    ['catalogue', part(r.catalogue, (c) => (c.enabled ? `${c.enabled} of ${c.total} products enabled` : `${paint.warn('no product enabled')} (${c.total} disabled) — nothing can be bought: \`ttops products edit <code> --enable\``))],
    ['backup', part(r.backup, (b) => (b ? `${b.id}, ${age(b.age_s)} ago (${b.created_at})` : `${paint.warn('none yet')} — run \`ttops backup create\``))],
    ['certificate', part(r.certificate, (c) => `${c.days_left} days left (until ${c.valid_to})${c.level === 'ok' ? '' : ` — ${state(c.level)}: renew with certbot`}`)],
    ['disk', r.disk.map((d) => part(d, (x) => `${x.path} ${bytes(x.free_bytes)} free of ${bytes(x.total_bytes)} (${x.free_percent}%)`)).join(' · ')],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  return [`ttops status (${r.env}, ${r.engine}, ${r.generated_at})`, ...lines.map(([label, text]) => `${label.padEnd(width)}  ${text}`)].join('\n');
}

function workersLine(r: StatusReport): string {
  const { configured, alive, alive_outside_systemd: outside } = r.workers;
  const c = isUnknown(configured) ? `configured unknown (${configured.unknown})` : configured.length ? `${configured.length} configured (${configured.map((i) => `@${i}`).join(' ')})` : '0 configured';
  const a = isUnknown(alive) ? `alive unknown (${alive.unknown})` : `${alive} alive`;
  const o = !isUnknown(outside) && outside > 0 ? ` (${outside} outside systemd)` : '';
  return `${c}, ${a}${o}`;
}

/** "3d 4h", "5h 2m", "7m", "12s". */
export function age(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  return m ? `${m}m` : `${seconds}s`;
}

/** Bytes in binary units with one decimal. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
