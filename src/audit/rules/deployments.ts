/**
 * Deployments: immutable. Every instance of a group runs what the group launches; changes arrive as new instances
 * (a rolling UpdatePolicy or an instance refresh), never as edits to running ones.
 */
import { launchTemplateDrift, resolveVersion } from '../../architecture/drift.js';
import { launchTemplateArn } from '../arn.js';
import type { Finding } from '../finding.js';
import { REF } from '../references.js';
import { type AuditContext, finding, type RuleInfo } from './rule.js';

export const DRIFT: RuleInfo = {
  id: 'asg-instance-drift',
  layer: 'deployments',
  severity: 'medium',
  principle:
    'Every instance of a group runs the group’s launch template version and AMI: a replacement then comes back as what was tested, not as something else.',
  fix: 'Start an instance refresh so every instance is replaced from the group’s launch template version.',
  reference: REF.instanceRefresh,
};
export const NO_ROLLOUT: RuleInfo = {
  id: 'asg-no-update-policy-or-refresh',
  layer: 'deployments',
  severity: 'low',
  principle: 'Deploy using immutable infrastructure: a group is updated by replacing instances, through an UpdatePolicy or instance refreshes.',
  fix: 'Give the group an AutoScalingRollingUpdate (or ReplacingUpdate) UpdatePolicy in its template, or deploy with instance refreshes.',
  reference: REF.immutable,
};
export const IN_PLACE: RuleInfo = {
  id: 'instance-changed-in-place',
  layer: 'deployments',
  severity: 'medium',
  principle:
    'Deploy using immutable infrastructure: an instance whose type or AMI differs from the launch template version it was launched from was changed in place.',
  fix: 'Put the change in a new launch template version and replace the instance (instance refresh).',
  reference: REF.immutable,
};

const UNPROVABLE = 'Drift is a difference in what instances run, not a behaviour under a fault; it is read, not provoked.';

function drift(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const g of ctx.a.autoScalingGroups) {
    const lt = ctx.a.launchTemplates.find((t) => t.id === g.launchTemplate?.id);
    if (lt === undefined || g.launchTemplate === undefined) continue;
    const candidates = g.instances.map((i) => ({
      id: i.id,
      launchTemplateVersion: i.launchTemplateVersion,
      imageId: ctx.a.instances.find((x) => x.id === i.id)?.imageId,
    }));
    const found = launchTemplateDrift(lt, g.launchTemplate.version, candidates);
    if (found === undefined || found.drifted.length === 0) continue;
    const { wanted, drifted } = found;
    out.push(
      finding(DRIFT, {
        title: `${drifted.length} instance(s) of ${g.name} run something other than ${lt.name} version ${wanted.number}${wanted.imageId === undefined ? '' : ` (${wanted.imageId})`}: ${drifted.map((i) => i.id).join(', ')}.`,
        evidence: [g.arn, ...drifted.map((i) => ctx.a.instances.find((x) => x.id === i.id)?.arn ?? i.id)],
        unprovable: UNPROVABLE,
      }),
    );
  }
  return out;
}

function rollout(ctx: AuditContext): Finding[] {
  const withPolicy = new Set(ctx.a.stacks.flatMap((s) => s.updatePolicies.map((p) => p.autoScalingGroup)));
  return ctx.a.autoScalingGroups
    .filter((g) => !withPolicy.has(g.name) && g.instanceRefreshes.length === 0)
    .map((g) =>
      finding(NO_ROLLOUT, {
        title: `Auto Scaling group ${g.name} has neither an UpdatePolicy nor any instance refresh on record.`,
        evidence: [g.arn],
        unprovable: 'How a group is deployed is read from its template and history; no fault shows it.',
      }),
    );
}

function inPlace(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const i of ctx.a.instances.filter((x) => x.launchTemplate !== undefined)) {
    const lt = ctx.a.launchTemplates.find((t) => t.id === i.launchTemplate?.id);
    const v = lt === undefined ? undefined : resolveVersion(lt, i.launchTemplate?.version);
    if (lt === undefined || v === undefined) continue;
    const changes = [
      ...(v.instanceType !== undefined && v.instanceType !== i.instanceType ? [`type ${i.instanceType} (template: ${v.instanceType})`] : []),
      ...(v.imageId !== undefined && v.imageId !== i.imageId ? [`AMI ${i.imageId} (template: ${v.imageId})`] : []),
    ];
    if (changes.length > 0)
      out.push(
        finding(IN_PLACE, {
          title: `Instance ${i.id} differs from ${lt.name} version ${v.number}, which launched it: ${changes.join(', ')}.`,
          evidence: [i.arn, launchTemplateArn(ctx.a, lt.id)],
          unprovable: UNPROVABLE,
        }),
      );
  }
  return out;
}

export const deploymentRules = [drift, rollout, inPlace];
