/**
 * nginx during a deploy, in three plans per stage so the runner can stop between them:
 * apply (back up what is replaced, write, enable the site), check (`nginx -t`), reload.
 * When the check fails, the restore plan puts every replaced file back and removes the
 * new ones — a broken conf.d file would break every site on the box, not just ours.
 */
import { nginxDefaults, renderNginxHttpStage, renderNginxTls, type NginxInput } from '../render/nginx.js';
import { cmd, makePlan, type Plan, type PlannedCommand, type PlannedFile } from '../plan.js';
import { certFiles } from './paths.js';
import { siteLink } from './facts.js';
import type { DeployFacts, DeployInput } from './input.js';

/** Before the certificate (`http`) or after it (`tls`). */
export type NginxStage = 'http' | 'tls';

/** The plans of one stage. */
export interface NginxStagePlans {
  apply: Plan;
  check: Plan;
  reload: Plan;
  /** Undoes `apply`; run when `check` fails. */
  restore: Plan;
}

/** The renderer input for this deploy. */
export function nginxInputFor(input: DeployInput): NginxInput {
  const cert = certFiles(input.paths, input.apiDomain);
  return nginxDefaults({
    apiDomain: input.apiDomain,
    mediaDomain: input.mediaDomain,
    upstreamHost: input.apiHost,
    upstreamPort: input.apiPort,
    mediaDir: input.paths.mediaDir,
    acmeWebroot: input.paths.acmeWebroot,
    certPath: cert.cert,
    keyPath: cert.key,
    nginxDir: input.paths.nginxDir,
    logDir: input.paths.nginxLogDir,
  });
}

/** `nginx -t` on the box's main config. */
export function nginxTestArgv(input: Pick<DeployInput, 'nginxBin' | 'paths'>): string[] {
  return [input.nginxBin, '-t', '-q', '-c', input.paths.nginxConf];
}

/** Reloads nginx, starting it when it is not running. */
export function nginxReloadArgv(input: Pick<DeployInput, 'systemctl'>): string[] {
  return [input.systemctl, 'reload-or-restart', 'nginx.service'];
}

/** Where the files a stage replaces are copied before it writes (one folder per release and stage). */
export function nginxBackupDir(input: Pick<DeployInput, 'paths' | 'releaseId'>, stage: NginxStage): string {
  return `${input.paths.appDir}/nginx-backup/${input.releaseId}-${stage}`;
}

/** The four plans of a stage, given the files as they are now. */
export function planNginxStage(input: DeployInput, stage: NginxStage, facts: Pick<DeployFacts, 'nginxFiles' | 'siteEnabled'>, options: { backup?: boolean } = {}): NginxStagePlans {
  const rendered = (stage === 'http' ? renderNginxHttpStage : renderNginxTls)(nginxInputFor(input));
  const backupDir = nginxBackupDir(input, stage);
  const link = siteLink(input.paths);
  const site = rendered[0].path;
  const changed = rendered.filter((file) => facts.nginxFiles[file.path] !== file.content);
  const backups: PlannedFile[] = changed
    .filter(() => options.backup !== false)
    .filter((file) => typeof facts.nginxFiles[file.path] === 'string')
    .map((file) => ({ path: `${backupDir}${file.path}`, mode: 0o644, content: facts.nginxFiles[file.path]! }));
  const apply = makePlan(`nginx ${stage} stage`, {
    files: [...backups, ...changed.map((f) => ({ path: f.path, mode: f.mode, content: f.content }))],
    commands: [
      cmd('directories nginx needs for the ttops vhosts', 'install', '-d', '-m', '0755', `${input.paths.nginxDir}/sites-enabled`, input.paths.nginxLogDir),
      ...(facts.siteEnabled ? [] : [cmd('enable the ttops site', 'ln', '-sfn', site, link)]),
    ],
  });
  const restoreFiles = changed.filter((f) => typeof facts.nginxFiles[f.path] === 'string').map((f) => ({ path: f.path, mode: 0o644, content: facts.nginxFiles[f.path]! }));
  const removals: PlannedCommand[] = changed
    .filter((f) => (facts.nginxFiles[f.path] ?? null) === null)
    .map((f) => cmd(`remove ${f.path}, which did not exist before`, 'rm', '-f', '--', f.path));
  if (!facts.siteEnabled) removals.push(cmd('disable the ttops site again', 'rm', '-f', '--', link));
  const restore = makePlan(`restore the previous nginx config`, {
    files: restoreFiles,
    commands: [...removals, { ...cmd('check the restored config', ...nginxTestArgv(input)), allowFailure: true }],
  });
  return {
    apply,
    check: makePlan('check nginx config', { commands: [cmd('check the whole nginx config before reloading', ...nginxTestArgv(input))] }),
    reload: makePlan('reload nginx', { commands: [cmd('reload nginx with the checked config', ...nginxReloadArgv(input))] }),
    restore,
  };
}

/** The file contents after a stage is applied, for facts of the next stage in the same run. */
export function nginxFilesAfter(input: DeployInput, stage: NginxStage, before: Record<string, string | null>): Record<string, string | null> {
  const rendered = (stage === 'http' ? renderNginxHttpStage : renderNginxTls)(nginxInputFor(input));
  return { ...before, ...Object.fromEntries(rendered.map((f) => [f.path, f.content])) };
}
