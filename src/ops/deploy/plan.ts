/**
 * The whole deploy as an ordered list of phases, computed purely from input and facts.
 * `--dry-run` prints them concatenated; the orchestrator (run.ts) runs them one by one and
 * handles what cannot be planned ahead: a failed `nginx -t`, certbot's result, the gate.
 */
import path from 'node:path';
import { planCertbot } from '../certbot.js';
import { concatPlans, makePlan, type Plan } from '../plan.js';
import { monitoringDefaults, renderMonitoring } from '../render/monitoring.js';
import { planCopyRelease, planSwitchCurrent } from '../release/layout.js';
import { planPrune } from '../release/select.js';
import type { DeployFacts, DeployInput } from './input.js';
import { nginxFilesAfter, nginxReloadArgv, nginxTestArgv, planNginxStage, type NginxStage, type NginxStagePlans } from './plan-nginx.js';
import { planSystem } from './plan-system.js';
import { planMigrate, planRestart, planUnits } from './plan-units.js';

/** One step of a deploy. */
export type Phase =
  | { kind: 'plan'; title: string; plan: Plan }
  | { kind: 'nginx'; title: string; stage: NginxStage; plans: NginxStagePlans }
  | { kind: 'certbot'; title: string; plan: Plan }
  | { kind: 'switch'; title: string; plan: Plan }
  | { kind: 'gate'; title: string };

/** The phases of a deploy, in order, assuming each one succeeds. */
export function deployPhases(input: DeployInput, facts: DeployFacts): Phase[] {
  const phases: Phase[] = [
    { kind: 'plan', title: 'System user and directories', plan: planSystem(input, facts) },
    { kind: 'plan', title: `Release ${input.releaseId}`, plan: planCopyRelease(input.paths.appDir, input.releaseId, input.source) },
  ];
  let nginxFiles = facts.nginxFiles;
  let siteEnabled = facts.siteEnabled;
  // Only the first stage backs files up: a second one would only save what this deploy just wrote.
  const stage = (which: NginxStage, title: string) => {
    const backup = nginxFiles === facts.nginxFiles;
    phases.push({ kind: 'nginx', title, stage: which, plans: planNginxStage(input, which, { nginxFiles, siteEnabled }, { backup }) });
    nginxFiles = nginxFilesAfter(input, which, nginxFiles);
    siteEnabled = true;
  };
  if (facts.certificate.ok) {
    stage('tls', 'nginx: TLS vhosts');
  } else {
    stage('http', 'nginx: HTTP stage (ACME webroot + redirect)');
    if (!input.tls.skip) {
      phases.push({ kind: 'certbot', title: 'Certificate (certbot)', plan: planCertbotFor(input) });
      stage('tls', 'nginx: TLS vhosts');
    }
  }
  phases.push(
    { kind: 'plan', title: 'systemd units and monitoring files', plan: concatPlans('systemd units and monitoring files', [planUnits(input), planMonitoring(input)]) },
    { kind: 'plan', title: 'Migrations', plan: planMigrate(input) },
    { kind: 'switch', title: `Switch current to ${input.releaseId}`, plan: makePlan('switch', { commands: planSwitchCurrent(input.paths.appDir, input.releaseId) }) },
    { kind: 'plan', title: 'Restart API and workers', plan: planRestart(input, facts) },
    { kind: 'gate', title: 'Health gate' },
  );
  return phases;
}

/** certbot with this deploy's names, paths and options. */
export function planCertbotFor(input: DeployInput): Plan {
  return planCertbot({
    apiDomain: input.apiDomain,
    mediaDomain: input.mediaDomain,
    webroot: input.paths.acmeWebroot,
    letsencryptDir: input.paths.letsencryptDir,
    hookPath: input.paths.certbotHook,
    email: input.tls.email,
    acmeServer: input.tls.acmeServer,
    staging: input.tls.staging,
    nginxTest: nginxTestArgv(input),
    nginxReload: nginxReloadArgv(input),
    certbotBin: input.certbotBin,
  });
}

/**
 * Prometheus alert rules and the Grafana dashboard, in ttops' folder under /etc (the one
 * holding the certbot hook): /etc/ttops/monitoring/, for the operator to point them at.
 */
export function planMonitoring(input: DeployInput): Plan {
  const dir = `${path.posix.dirname(input.paths.certbotHook)}/monitoring`;
  return makePlan('monitoring files', { files: renderMonitoring(monitoringDefaults({ dir, targetHost: input.apiHost, targetPort: input.apiPort })) });
}

/** Releases to prune once the new one is live (current and the rollback target are kept). */
export function planPruneAfter(input: DeployInput, facts: Pick<DeployFacts, 'releases' | 'current'>): Plan {
  const ordered = [...facts.releases.filter((id) => id !== input.releaseId), input.releaseId];
  const protect = new Set([input.releaseId, ...(facts.current ? [facts.current] : [])]);
  return makePlan('prune', { commands: planPrune(input.paths.appDir, ordered, input.keep, protect) });
}

/** Everything a successful deploy writes and runs, as one plan (`--dry-run`, `--json`). */
export function planDeploy(input: DeployInput, facts: DeployFacts): Plan {
  const plans = deployPhases(input, facts).flatMap((phase): Plan[] => {
    if (phase.kind === 'nginx') return [phase.plans.apply, phase.plans.check, phase.plans.reload];
    if (phase.kind === 'gate') return [];
    return [phase.plan];
  });
  return concatPlans(`deploy release ${input.releaseId}`, [...plans, planPruneAfter(input, facts)]);
}
