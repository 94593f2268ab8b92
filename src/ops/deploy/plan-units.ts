/**
 * The service side of a deploy: unit files + daemon-reload, the new release's migrations
 * (run as the service user so a SQLite file is theirs, under the store's migration lock),
 * and restarting the API and workers onto `current`.
 */
import { renderSystemdUnits, systemdDefaults } from '../render/systemd.js';
import { cmd, makePlan, type Plan } from '../plan.js';
import { currentLink, releaseDir } from '../release/layout.js';
import type { DeployFacts, DeployInput } from './input.js';

/** The API unit: restarted on deploy, its journal shown when the gate fails. */
export const API_UNIT = 'ttops-api.service';
/** The workers' target: restarting it restarts every enabled `ttops-worker@N`. */
export const WORKERS_TARGET = 'ttops-workers.target';

/** Unit files under the unit dir, daemon-reload, and enablement. */
export function planUnits(input: DeployInput): Plan {
  const { paths } = input;
  const files = renderSystemdUnits(
    systemdDefaults({
      user: input.user,
      group: input.group,
      nodeBin: input.nodeBin,
      appDir: currentLink(paths.appDir),
      home: paths.home,
      mediaDir: paths.mediaDir,
      envFile: paths.envFile,
      backupDir: paths.backupDir,
      apiHost: input.apiHost,
      apiPort: input.apiPort,
      unitDir: paths.unitDir,
    }),
  );
  return makePlan('systemd units', {
    files,
    commands: [
      cmd('load the new unit files', input.systemctl, 'daemon-reload'),
      cmd('start the API and workers at boot', input.systemctl, 'enable', API_UNIT, WORKERS_TARGET),
      cmd('schedule nightly backups', input.systemctl, 'enable', '--now', 'ttops-backup.timer'),
    ],
  });
}

/** The argv running a release's `ttops` as the service would: its user, env file and paths. */
export function releaseTtopsArgv(input: Pick<DeployInput, 'paths' | 'user' | 'nodeBin'>, releaseId: string, ...args: string[]): string[] {
  const { paths } = input;
  return [
    'runuser', '-u', input.user, '--',
    // TTOPS_ENV_FILE rather than --env-file: node 20 would consume that flag itself (nodejs/node#54232).
    'env', 'TTOPS_ENV=prod', `TTOPS_HOME=${paths.home}`, `MEDIA_DIR=${paths.mediaDir}`, `TTOPS_ENV_FILE=${paths.envFile}`,
    input.nodeBin, `${releaseDir(paths.appDir, releaseId)}/bin/ttops.js`, ...args,
  ];
}

/** The new release's `ttops migrate up` (its own migrations, the store's lock). */
export function planMigrate(input: DeployInput): Plan {
  return makePlan('migrate', {
    commands: [cmd(`apply release ${input.releaseId}'s migrations (under the store's migration lock)`, ...releaseTtopsArgv(input, input.releaseId, 'migrate', 'up'))],
  });
}

/** Restarts the API, and the workers (the first deploy enables worker 1; `ttops scale` changes the count). */
export function planRestart(input: Pick<DeployInput, 'systemctl'>, facts: Pick<DeployFacts, 'workersEnabled'>, why = 'run the new release'): Plan {
  return makePlan('restart', {
    commands: [
      cmd(`restart the API to ${why}`, input.systemctl, 'restart', API_UNIT),
      facts.workersEnabled
        ? cmd(`restart the workers to ${why}`, input.systemctl, 'restart', WORKERS_TARGET)
        : cmd('start the first worker (`ttops scale workers N` runs more)', input.systemctl, 'enable', '--now', 'ttops-worker@1.service'),
    ],
  });
}
