import type { DescribeInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { isAccessDenied } from './access-denied.js';
import type { AwsClientFactory } from './client-factory.js';
import { sdk } from './sdk.js';

/**
 * How one IAM permission is checked without changing anything: `read` makes the read-only call itself, `dry-run`
 * makes the mutating EC2 call with `DryRun=true` (EC2 answers `DryRunOperation` when it is allowed and
 * `UnauthorizedOperation` when not), `simulate` asks IAM (`SimulatePrincipalPolicy`) about the caller's policies, for
 * services without a dry run.
 */
export type PermissionMethod = 'read' | 'dry-run' | 'simulate';

/** One permission to check, keyed by its IAM action (`ec2:StopInstances`). */
export interface PermissionCheck {
  iamAction: string;
  how: PermissionMethod;
}

/** What a permission check found; `warn` when it could not tell. */
export interface PermissionResult extends PermissionCheck {
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

/** What the checks learn on the way: the dry runs need an instance id to name. */
interface CheckContext {
  instanceId?: string;
}

type Call = (aws: AwsClientFactory, ctx: CheckContext) => Promise<void>;

/** The services whose calls prove a permission, by the client factory's and `sdk`'s shared names. */
type CheckedService = 'ec2' | 'autoScaling' | 'elbv2' | 'rds' | 'route53' | 'fis' | 'cloudWatch';

/**
 * One check as data: the service, the command it sends (built from the service's SDK module and what the checks
 * learnt so far) and, optionally, what the answer teaches the later checks.
 */
const call =
  <S extends CheckedService, O = unknown>(
    service: S,
    make: (module: Awaited<ReturnType<(typeof sdk)[S]>>, ctx: CheckContext) => { input: unknown },
    learn?: (output: O, ctx: CheckContext) => void,
  ): Call =>
  async (aws, ctx) => {
    // Each command is typed for its own output; a check only needs the answer, or the error.
    const client = (await aws[service]()) as unknown as { send(command: { input: unknown }): Promise<O> };
    const output = await client.send(make((await sdk[service]()) as Awaited<ReturnType<(typeof sdk)[S]>>, ctx));
    learn?.(output, ctx);
  };

/** The first instance that is not terminated: the one the dry runs name. */
function rememberInstance(out: DescribeInstancesCommandOutput, ctx: CheckContext): void {
  const live = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.State?.Name !== 'terminated' && i.InstanceId !== undefined);
  if (live?.InstanceId !== undefined) ctx.instanceId = live.InstanceId;
}

/** Read-only calls that need no resource name, so making them proves the permission. */
const READS: Readonly<Record<string, Call>> = {
  'ec2:DescribeInstances': call('ec2', (m) => new m.DescribeInstancesCommand({ MaxResults: 20 }), rememberInstance),
  'autoscaling:DescribeAutoScalingGroups': call('autoScaling', (m) => new m.DescribeAutoScalingGroupsCommand({ MaxRecords: 1 })),
  'elasticloadbalancing:DescribeTargetGroups': call('elbv2', (m) => new m.DescribeTargetGroupsCommand({ PageSize: 1 })),
  'rds:DescribeDBInstances': call('rds', (m) => new m.DescribeDBInstancesCommand({ MaxRecords: 20 })),
  'rds:DescribeDBClusters': call('rds', (m) => new m.DescribeDBClustersCommand({ MaxRecords: 20 })),
  'route53:ListHealthChecks': call('route53', (m) => new m.ListHealthChecksCommand({ MaxItems: 1 })),
  'fis:ListExperimentTemplates': call('fis', (m) => new m.ListExperimentTemplatesCommand({ maxResults: 1 })),
  'cloudwatch:DescribeAlarms': call('cloudWatch', (m) => new m.DescribeAlarmsCommand({ MaxRecords: 1 })),
};

/** An id in EC2's format that names no instance, for dry runs when the account has none to name. */
const PLACEHOLDER_INSTANCE = 'i-0000000000000000f';

/** A mutating EC2 call's input with `DryRun=true`, naming the instance the reads found (it then changes nothing). */
const dryRun = (ctx: CheckContext): { InstanceIds: string[]; DryRun: true } => ({ InstanceIds: [ctx.instanceId ?? PLACEHOLDER_INSTANCE], DryRun: true });

/** EC2's mutating calls gameday makes. */
const DRY_RUNS: Readonly<Record<string, Call>> = {
  'ec2:TerminateInstances': call('ec2', (m, ctx) => new m.TerminateInstancesCommand(dryRun(ctx))),
  'ec2:StopInstances': call('ec2', (m, ctx) => new m.StopInstancesCommand(dryRun(ctx))),
  'ec2:StartInstances': call('ec2', (m, ctx) => new m.StartInstancesCommand(dryRun(ctx))),
  'ec2:RebootInstances': call('ec2', (m, ctx) => new m.RebootInstancesCommand(dryRun(ctx))),
};

/** How `iamAction` is checked: by making the call (read), by a dry run, or by asking IAM. */
export function checkMethodFor(iamAction: string): PermissionMethod {
  if (iamAction in READS) return 'read';
  if (iamAction in DRY_RUNS) return 'dry-run';
  return 'simulate';
}

/** The checks for a set of IAM actions, reads first (a dry run names an instance the reads found). */
export function permissionChecks(iamActions: Iterable<string>): PermissionCheck[] {
  const order: Record<PermissionMethod, number> = { read: 0, 'dry-run': 1, simulate: 2 };
  return [...new Set(iamActions)]
    .map((iamAction) => ({ iamAction, how: checkMethodFor(iamAction) }))
    .sort((a, b) => order[a.how] - order[b.how] || a.iamAction.localeCompare(b.iamAction));
}

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
}

const errorName = (error: unknown): string => {
  const e = error as SdkError;
  return e.name ?? e.Code ?? 'Error';
};

/** An SDK error in one line; an answer that is not AWS's (an emulator's HTML error page) is called that. */
function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Deserialization error|XML parse error|is not valid JSON/.test(message)) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return `the endpoint answered${status === undefined ? '' : ` HTTP ${status}`} with something other than an AWS response (it does not implement the call)`;
  }
  return message.split('\n')[0] ?? message;
}

/**
 * Runs `checks` against the target of `aws` as the caller `callerArn` (from GetCallerIdentity). Never throws: a check
 * that cannot tell says so as a warning.
 */
export async function runPermissionChecks(
  aws: AwsClientFactory,
  checks: readonly PermissionCheck[],
  callerArn: string | undefined,
): Promise<PermissionResult[]> {
  const ctx: CheckContext = {};
  const results: PermissionResult[] = [];
  for (const check of checks.filter((c) => c.how === 'read')) {
    const call = READS[check.iamAction];
    if (call === undefined) continue;
    try {
      await call(aws, ctx);
      results.push({ ...check, status: 'ok', detail: 'the read-only call succeeded' });
    } catch (error) {
      results.push(
        isAccessDenied(errorName(error))
          ? { ...check, status: 'fail', detail: `denied (${errorName(error)}): grant ${check.iamAction} to the caller` }
          : { ...check, status: 'warn', detail: `could not be checked: ${errorMessage(error)} (${errorName(error)})` },
      );
    }
  }
  for (const check of checks.filter((c) => c.how === 'dry-run')) {
    const call = DRY_RUNS[check.iamAction];
    if (call === undefined) continue;
    try {
      await call(aws, ctx);
      // A dry run never succeeds: EC2 answers DryRunOperation. Success means the flag was ignored and the call ran.
      results.push({
        ...check,
        status: 'fail',
        detail: `the dry run was carried out (the endpoint ignored DryRun) on ${ctx.instanceId ?? PLACEHOLDER_INSTANCE}`,
      });
    } catch (error) {
      const name = errorName(error);
      if (name === 'DryRunOperation') results.push({ ...check, status: 'ok', detail: 'allowed (DryRun answered DryRunOperation)' });
      else if (isAccessDenied(name))
        results.push({ ...check, status: 'fail', detail: `denied (DryRun answered ${name}): grant ${check.iamAction} to the caller` });
      else if (name.startsWith('InvalidInstanceID'))
        results.push({ ...check, status: 'warn', detail: 'could not be checked: the account has no instance to name in a dry run' });
      else results.push({ ...check, status: 'warn', detail: `could not be checked: the dry run failed: ${errorMessage(error)} (${name})` });
    }
  }
  const simulated = checks.filter((c) => c.how === 'simulate');
  if (simulated.length > 0) results.push(...(await simulate(aws, simulated, callerArn)));
  return results;
}

/**
 * The IAM principal whose policies `SimulatePrincipalPolicy` evaluates, from the caller's ARN: a user as is, an
 * assumed role's session as its role (a role with a path is not found this way, since the session ARN drops it).
 */
export function principalOf(callerArn: string): string | undefined {
  const user = /^arn:(aws[a-z-]*):(?:iam|sts)::(\d{12}):user\/(.+)$/.exec(callerArn);
  if (user !== null) return `arn:${user[1] ?? 'aws'}:iam::${user[2] ?? ''}:user/${user[3] ?? ''}`;
  const role = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (role !== null) return `arn:${role[1] ?? 'aws'}:iam::${role[2] ?? ''}:role/${role[3] ?? ''}`;
  return undefined;
}

async function simulate(aws: AwsClientFactory, checks: readonly PermissionCheck[], callerArn: string | undefined): Promise<PermissionResult[]> {
  const cannot = (why: string): PermissionResult[] => checks.map((c) => ({ ...c, status: 'warn', detail: `could not be checked: ${why}` }));
  if (callerArn === undefined) return cannot('the caller is unknown (GetCallerIdentity failed)');
  if (/:root$/.test(callerArn))
    return checks.map((c) => ({ ...c, status: 'warn', detail: 'allowed: the caller is the account root user, which may do anything (use a role instead)' }));
  const principal = principalOf(callerArn);
  if (principal === undefined) return cannot(`IAM cannot simulate the policies of ${callerArn}`);
  const { SimulatePrincipalPolicyCommand } = await sdk.iam();
  const decisions = new Map<string, string>();
  try {
    const iam = await aws.iam();
    let marker: string | undefined;
    do {
      const out = await iam.send(
        new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: checks.map((c) => c.iamAction), Marker: marker }),
      );
      for (const r of out.EvaluationResults ?? [])
        if (r.EvalActionName !== undefined && r.EvalDecision !== undefined) decisions.set(r.EvalActionName, r.EvalDecision);
      marker = out.IsTruncated === true ? out.Marker : undefined;
    } while (marker !== undefined);
  } catch (error) {
    const name = errorName(error);
    return cannot(
      isAccessDenied(name)
        ? `the caller may not call iam:SimulatePrincipalPolicy (${name}); grant it, or trust the first run to tell`
        : `iam:SimulatePrincipalPolicy failed: ${errorMessage(error)} (${name})`,
    );
  }
  return checks.map((c): PermissionResult => {
    const decision = decisions.get(c.iamAction);
    if (decision === 'allowed') return { ...c, status: 'ok', detail: `allowed by the policies of ${principal} (IAM policy simulation)` };
    if (decision === undefined) return { ...c, status: 'warn', detail: 'could not be checked: the policy simulation did not answer for it' };
    return {
      ...c,
      status: 'fail',
      detail: `${decision === 'explicitDeny' ? 'denied explicitly' : 'not allowed'} by the policies of ${principal} (IAM policy simulation): grant ${c.iamAction}`,
    };
  });
}
