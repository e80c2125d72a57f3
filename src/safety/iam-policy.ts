import type { Experiment } from '../experiment/schema.js';
import type { Registry } from '../registry/registry.js';
import type { Permissions } from '../registry/types.js';

/**
 * What gameday itself calls in a run, outside any action or probe: the account guard (STS GetCallerIdentity) and the
 * Auto Scaling capacity guard (DescribeAutoScalingGroups), both in src/safety/plan.ts.
 */
export const corePermissions: Permissions = {
  read: ['sts:GetCallerIdentity', 'autoscaling:DescribeAutoScalingGroups'],
  write: [],
};

/**
 * What `gameday twin` and `gameday audit` read of an account (src/architecture/read-account.ts): read-only calls only,
 * none of which IAM scopes to resources. In the full policy, so the role a run uses can also twin and audit its account.
 */
export const architectureReadPermissions: Permissions = {
  read: [
    'sts:GetCallerIdentity',
    'ec2:DescribeAvailabilityZones',
    'ec2:DescribeVpcs',
    'ec2:DescribeSubnets',
    'ec2:DescribeNatGateways',
    'ec2:DescribeRouteTables',
    'ec2:DescribeLaunchTemplates',
    'ec2:DescribeLaunchTemplateVersions',
    'ec2:DescribeInstances',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeInstanceRefreshes',
    'elasticloadbalancing:DescribeLoadBalancers',
    'elasticloadbalancing:DescribeLoadBalancerAttributes',
    'elasticloadbalancing:DescribeListeners',
    'elasticloadbalancing:DescribeTags',
    'elasticloadbalancing:DescribeTargetGroups',
    'elasticloadbalancing:DescribeTargetGroupAttributes',
    'elasticloadbalancing:DescribeTargetHealth',
    'rds:DescribeDBInstances',
    'rds:DescribeDBClusters',
    'rds:DescribeDBSubnetGroups',
    'route53:ListHostedZones',
    'route53:ListResourceRecordSets',
    'route53:ListHealthChecks',
    'route53:ListTagsForResources',
    'cloudwatch:DescribeAlarms',
    'cloudformation:DescribeStacks',
    'cloudformation:ListStackResources',
    'cloudformation:GetTemplate',
  ],
  write: [],
};

/** What an experiment with an `alarm` stop condition needs: the engine reads the alarms (src/engine/runner.ts). */
export const alarmStopPermissions: Permissions = { read: ['cloudwatch:DescribeAlarms'], write: [] };

/**
 * What the credentials gameday starts with need when `environment.roleArn` is set (src/aws/client-factory.ts).
 * It belongs to the operator's own policy, not to the role assumed, so the generated policy leaves it out.
 */
export const assumeRolePermissions: Permissions = { read: [], write: ['sts:AssumeRole'] };

/** One IAM policy statement as gameday writes it. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/** An IAM identity policy document. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** The tag a resource must carry before the policy lets gameday change it. */
export interface OptInTag {
  key: string;
  value: string;
}

/** The opt-in tag the policy requires unless told otherwise (the same one the ready experiments' `safety.requireTags` names). */
export const DEFAULT_OPT_IN_TAG: OptInTag = { key: 'gameday:allowed', value: 'true' };

/** Which definitions (and engine features) an experiment uses; the policy grants exactly what they need. */
export interface PolicyUsage {
  actions: readonly string[];
  probes: readonly string[];
  /** Whether a stop condition watches a CloudWatch alarm. */
  alarms: boolean;
  /** The SSM documents `aws.ssm.send-command` faults and rollbacks name (names or ARNs). */
  documents?: readonly string[];
}

interface Scope {
  /** Appended to the statement's Sid, so statements of one definition stay distinct. */
  suffix: string;
  resource: (tag: OptInTag) => string | string[];
  condition?: (tag: OptInTag) => Record<string, Record<string, string>>;
}

const FIS_RESOURCES = ['experiment-template', 'experiment', 'action', 'safety-lever'].map((t) => `arn:aws:fis:*:*:${t}/*`);

// Resource-level permissions where IAM supports them (the Service Authorization Reference lists the resource types
// per action); Describe*/List* calls and STS have none and need "*". Tag conditions: EC2 instances are matched with
// aws:ResourceTag, RDS with its own rds:db-tag / rds:cluster-tag keys (RDS user guide, "Using custom tags").
const TAGGED_INSTANCES: Scope = {
  suffix: 'TaggedInstances',
  resource: () => 'arn:aws:ec2:*:*:instance/*',
  condition: (t) => ({ StringEquals: { [`aws:ResourceTag/${t.key}`]: t.value } }),
};
const TAGGED_DB_INSTANCES: Scope = {
  suffix: 'TaggedDbInstances',
  resource: () => 'arn:aws:rds:*:*:db:*',
  condition: (t) => ({ StringEquals: { [`rds:db-tag/${t.key}`]: t.value } }),
};
const TAGGED_DB_CLUSTERS: Scope = {
  suffix: 'TaggedDbClusters',
  resource: () => 'arn:aws:rds:*:*:cluster:*',
  condition: (t) => ({ StringEquals: { [`rds:cluster-tag/${t.key}`]: t.value } }),
};
// Instance refreshes act on a group, which IAM matches by its tags too (Service Authorization Reference, Amazon EC2
// Auto Scaling: https://docs.aws.amazon.com/IAM/latest/UserGuide/list_amazonec2autoscaling.html).
const TAGGED_GROUPS: Scope = {
  suffix: 'TaggedGroups',
  resource: () => 'arn:aws:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*',
  condition: (t) => ({ StringEquals: { [`aws:ResourceTag/${t.key}`]: t.value } }),
};
// Run Command authorizes SendCommand on the document and on each instance (SSM user guide, "Restricting Run Command
// access based on tags": https://docs.aws.amazon.com/systems-manager/latest/userguide/run-command-setting-up.html),
// which it matches by the ssm:resourceTag condition key. AWS-owned documents have no account in their ARN.
const SSM_TAGGED_INSTANCES: Scope = {
  suffix: 'TaggedInstances',
  resource: () => 'arn:aws:ec2:*:*:instance/*',
  condition: (t) => ({ StringEquals: { [`ssm:resourceTag/${t.key}`]: t.value } }),
};
const FIS_DOCUMENTS: Scope = { suffix: 'FisDocuments', resource: () => 'arn:aws:ssm:*::document/AWSFIS-Run-*' };
/** The user's own documents: those the experiments name, or (for the full policy) those carrying the opt-in tag. */
function userDocuments(documents: readonly string[] | undefined): Scope {
  if (documents === undefined)
    return {
      suffix: 'TaggedDocuments',
      resource: () => 'arn:aws:ssm:*:*:document/*',
      condition: (t) => ({ StringEquals: { [`ssm:resourceTag/${t.key}`]: t.value } }),
    };
  return { suffix: 'Documents', resource: () => [...new Set(documents)].sort().map((d) => (d.startsWith('arn:') ? d : `arn:aws:ssm:*:*:document/${d}`)) };
}
const HEALTH_CHECKS: Scope = { suffix: 'HealthChecks', resource: () => 'arn:aws:route53:::healthcheck/*' };
const FIS: Scope = { suffix: 'Fis', resource: () => FIS_RESOURCES };
const ROLE_FOR_FIS: Scope = {
  suffix: 'PassRoleToFis',
  resource: () => 'arn:aws:iam::*:role/*',
  condition: () => ({ StringEquals: { 'iam:PassedToService': 'fis.amazonaws.com' } }),
};
const ANY: Scope = { suffix: '', resource: () => '*' };

const SCOPES: Record<string, Scope | readonly Scope[]> = {
  'ssm:SendCommand': [SSM_TAGGED_INSTANCES, FIS_DOCUMENTS],
  'ec2:StopInstances': TAGGED_INSTANCES,
  'ec2:StartInstances': TAGGED_INSTANCES,
  'ec2:TerminateInstances': TAGGED_INSTANCES,
  'ec2:RebootInstances': TAGGED_INSTANCES,
  'autoscaling:StartInstanceRefresh': TAGGED_GROUPS,
  'autoscaling:CancelInstanceRefresh': TAGGED_GROUPS,
  'autoscaling:RollbackInstanceRefresh': TAGGED_GROUPS,
  'rds:RebootDBInstance': TAGGED_DB_INSTANCES,
  'rds:FailoverDBCluster': TAGGED_DB_CLUSTERS,
  'rds:RebootDBCluster': TAGGED_DB_CLUSTERS,
  'route53:GetHealthCheck': HEALTH_CHECKS,
  'route53:GetHealthCheckStatus': HEALTH_CHECKS,
  'route53:UpdateHealthCheck': HEALTH_CHECKS,
  'route53:ListTagsForResource': HEALTH_CHECKS,
  'iam:PassRole': ROLE_FOR_FIS,
};

function scopesOf(action: string, own: Readonly<Record<string, readonly Scope[]>>): readonly Scope[] {
  const scopes = own[action] ?? SCOPES[action] ?? (action.startsWith('fis:') ? FIS : ANY);
  return Array.isArray(scopes) ? scopes : [scopes as Scope];
}

/** `aws.ec2.stop-instances` → `AwsEc2StopInstances`: IAM Sids are alphanumeric. */
export function sidOf(id: string): string {
  return id
    .split(/[.-]/)
    .filter((w) => w !== '')
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
}

/** The IAM actions of a permissions declaration, read and write together, each once. */
export function actionsOf(p: Permissions): string[] {
  return [...new Set([...p.read, ...p.write])];
}

/** The IAM actions the registered actions and probes `ids` declare (every one's without ids). */
export function permissionsFor(registry: Registry, ids?: Iterable<string>): string[] {
  const wanted = ids === undefined ? undefined : new Set(ids);
  const definitions = [...registry.actions, ...registry.probes].filter((d) => wanted === undefined || wanted.has(d.id));
  return [...new Set(definitions.flatMap((d) => actionsOf(d.permissions)))];
}

/** Statements for one definition: one per resource scope its IAM actions fall into, the unscoped one first. */
function statementsFor(sid: string, p: Permissions, tag: OptInTag, own: Readonly<Record<string, readonly Scope[]>> = {}): PolicyStatement[] {
  const byScope = new Map<Scope, string[]>();
  for (const action of actionsOf(p)) {
    for (const scope of scopesOf(action, own)) byScope.set(scope, [...(byScope.get(scope) ?? []), action]);
  }
  const scopes = [...byScope.keys()].sort((a, b) => a.suffix.localeCompare(b.suffix));
  // Two scopes may share a suffix (EC2's and SSM's tag conditions on instances): the statements' Sids stay distinct.
  const suffixes = scopes.map((scope, i) => (scopes.findIndex((o) => o.suffix === scope.suffix) === i ? scope.suffix : `${scope.suffix}${i}`));
  return scopes.map((scope, i) => {
    const statement: PolicyStatement = {
      Sid: scopes.length === 1 ? sid : sid + (suffixes[i] ?? scope.suffix),
      Effect: 'Allow',
      Action: (byScope.get(scope) ?? []).sort(),
      Resource: scope.resource(tag),
    };
    if (scope.condition !== undefined) statement.Condition = scope.condition(tag);
    return statement;
  });
}

/**
 * The least-privilege policy for `usage` (every built-in action and probe when absent): a core statement, one for
 * alarm stop conditions when used, then one statement per action and probe that calls AWS, split only where IAM lets a
 * part of it be scoped to resources (the opt-in tag for changes to instances and databases).
 */
export function policyFor(registry: Registry, usage?: PolicyUsage, tag: OptInTag = DEFAULT_OPT_IN_TAG): PolicyDocument {
  const actions = usage === undefined ? registry.actions : registry.actions.filter((a) => usage.actions.includes(a.id));
  const probes = usage === undefined ? registry.probes : registry.probes.filter((p) => usage.probes.includes(p.id));
  const statements = [...statementsFor('GamedayCore', corePermissions, tag)];
  if (usage === undefined || usage.alarms) statements.push(...statementsFor('GamedayAlarmStopConditions', alarmStopPermissions, tag));
  if (usage === undefined) statements.push(...statementsFor('GamedayArchitectureRead', architectureReadPermissions, tag));
  // The generic Run Command action sends the user's documents, not FIS's.
  const own = (id: string): Record<string, readonly Scope[]> =>
    id === 'aws.ssm.send-command' ? { 'ssm:SendCommand': [SSM_TAGGED_INSTANCES, userDocuments(usage?.documents)] } : {};
  for (const d of [...actions, ...probes]) statements.push(...statementsFor(sidOf(d.id), d.permissions, tag, own(d.id)));
  return { Version: '2012-10-17', Statement: usage === undefined ? withoutRepeatedGrants(statements) : statements };
}

/**
 * The full policy without what an earlier statement already grants on the same resources under the same condition:
 * a statement loses those actions, and goes when none is left. The grants are the same; the document stays under the
 * 6,144 characters of a managed policy as definitions are added (most of them read the instances they target, and
 * every Run Command fault sends to the same documents and tagged instances).
 */
function withoutRepeatedGrants(statements: PolicyStatement[]): PolicyStatement[] {
  const granted = new Map<string, Set<string>>();
  const out: PolicyStatement[] = [];
  for (const s of statements) {
    const scope = JSON.stringify([s.Resource, s.Condition ?? null]);
    const everywhere = granted.get(scope) ?? new Set<string>();
    granted.set(scope, everywhere);
    const Action = s.Action.filter((a) => !everywhere.has(a));
    for (const a of Action) everywhere.add(a);
    if (Action.length > 0) out.push({ ...s, Action });
  }
  return out;
}

/** Every IAM action a policy allows. */
export function allowedActions(policy: PolicyDocument): Set<string> {
  return new Set(policy.Statement.flatMap((s) => s.Action));
}

/** What an experiment uses: its faults' and rollbacks' actions, its probes, whether it watches alarms. */
export function usageOf(experiments: readonly Experiment[]): PolicyUsage {
  return {
    actions: [...new Set(experiments.flatMap((e) => [...e.faults.map((f) => f.action), ...e.rollbacks.map((r) => r.action)]))],
    probes: [...new Set(experiments.flatMap((e) => e.probes.map((p) => p.probe)))],
    alarms: experiments.some((e) => e.stopConditions.some((s) => s.alarm !== undefined)),
    documents: experiments.flatMap((e) =>
      [...e.faults, ...e.rollbacks]
        .filter((s) => s.action === 'aws.ssm.send-command')
        .map((s) => String((s.args as { documentName?: unknown } | undefined)?.documentName ?? '')),
    ),
  };
}
