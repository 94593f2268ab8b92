/**
 * The system part of a deploy: the service user, the directories the units need before
 * they start (ReadWritePaths= must exist), and the env file's owner and mode. `install -d`
 * sets owner and mode in one argv and is a no-op on a directory that is already right.
 */
import { cmd, makePlan, type Plan, type PlannedCommand } from '../plan.js';
import { releasesDir } from '../release/layout.js';
import type { DeployFacts, DeployInput } from './input.js';

/** User, group membership, directories and env file permissions. */
export function planSystem(input: DeployInput, facts: Pick<DeployFacts, 'userExists' | 'nginxUserReady'>): Plan {
  const { paths, user, group } = input;
  const commands: PlannedCommand[] = [];
  if (!facts.userExists) {
    commands.push(
      cmd(`create the system user ${user} (no login, no home of its own)`, 'useradd', '--system', '--user-group', '--home-dir', paths.home, '--no-create-home', '--shell', '/usr/sbin/nologin', user),
    );
  }
  if (!facts.nginxUserReady) {
    // Media files are 0640 ttops:ttops (UMask=0027); nginx reads them through the group.
    commands.push(cmd(`let nginx (${input.nginxUser}) read media through the ${group} group`, 'usermod', '--append', '--groups', group, input.nginxUser));
  }
  commands.push(
    cmd('code directories: root-owned, the service cannot change its own code', 'install', '-d', '-m', '0755', '-o', 'root', '-g', 'root', paths.appDir, releasesDir(paths.appDir)),
    cmd(
      'data and media directories the units may write (ReadWritePaths=); group-readable for nginx',
      'install', '-d', '-m', '0750', '-o', user, '-g', group,
      paths.home, paths.mediaDir, `${paths.mediaDir}/static`, `${paths.mediaDir}/static/sounds`, `${paths.mediaDir}/static/tts`,
    ),
    cmd('backup directory (written by ttops-backup.service)', 'install', '-d', '-m', '0750', '-o', user, '-g', group, paths.backupDir),
    cmd('ACME webroot certbot answers challenges from', 'install', '-d', '-m', '0755', paths.acmeWebroot),
    cmd(`env file readable by the ${group} group only (services, migrate), writable by root`, 'chown', `root:${group}`, paths.envFile),
    cmd('env file mode 0640', 'chmod', '0640', paths.envFile),
  );
  return makePlan('system user and directories', { commands });
}
