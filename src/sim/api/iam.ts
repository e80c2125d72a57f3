import { createHash } from 'node:crypto';
import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import type { SimWorld } from '../region.js';

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(user|role|group)\/[\w+=,.@/-]+$/;

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;

/** A role the region knows of: named by a FIS template's role or assumed through STS. */
interface KnownRole {
  arn: string;
  path: string;
  name: string;
  created: Date;
}

/**
 * The roles the region knows: the region has no IAM of its own, so these are the roles its resources name (FIS
 * templates' `roleArn`) and those callers assumed through STS, each once, in ARN order.
 */
function knownRoles(world: SimWorld): KnownRole[] {
  const roles = new Map<string, KnownRole>();
  const add = (arn: string, created: Date): void => {
    const m = ROLE_ARN.exec(arn);
    if (m === null || roles.has(arn)) return;
    roles.set(arn, { arn, path: m[1] ?? '/', name: m[2] ?? '', created });
  };
  for (const t of world.fis.templates.values()) add(t.roleArn, t.creationTime);
  for (const s of world.stsSessions.values()) {
    const m = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(s.arn);
    if (m !== null) add(`arn:${m[1] ?? 'aws'}:iam::${m[2] ?? ''}:role/${m[3] ?? ''}`, new Date());
  }
  return [...roles.values()].sort((a, b) => (a.arn < b.arn ? -1 : 1));
}

/** A stable role id (`AROA` and 17 characters), the same on every call, as IAM's ids are. */
function roleId(arn: string): string {
  const digest = createHash('sha256').update(arn).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `AROA${[...digest.subarray(0, 17)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/**
 * ListRoles: roles whose path starts with PathPrefix (default `/`), MaxItems (1–1000, default 100) per page with a
 * Marker for the next (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html).
 */
function listRoles(world: SimWorld, params: QueryParams): QueryResult {
  const prefix = params.get('PathPrefix') ?? '/';
  if (!/^\/.*$/.test(prefix) || prefix.length > 512)
    throw new SimApiError('ValidationError', `1 validation error detected: Value '${prefix}' at 'pathPrefix' failed to satisfy constraint`);
  const max = params.int('MaxItems') ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw new SimApiError(
      'ValidationError',
      `1 validation error detected: Value '${max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
    );
  const roles = knownRoles(world).filter((r) => r.path.startsWith(prefix));
  const marker = params.get('Marker');
  const start = marker === undefined ? 0 : roles.findIndex((r) => r.arn === Buffer.from(marker, 'base64').toString('utf8'));
  if (start < 0) throw new SimApiError('InvalidInput', 'Invalid Marker.');
  const page = roles.slice(start, start + max);
  const next = roles[start + max];
  return {
    Roles: page.map((r) => ({
      Path: r.path,
      RoleName: r.name,
      RoleId: roleId(r.arn),
      Arn: r.arn,
      CreateDate: r.created.toISOString(),
      MaxSessionDuration: 3600,
    })),
    IsTruncated: next !== undefined,
    Marker: next === undefined ? undefined : Buffer.from(next.arn).toString('base64'),
  };
}

/**
 * IAM (awsQuery) of the simulated region: ListRoles, and SimulatePrincipalPolicy, which `gameday doctor` uses to check the
 * permissions it cannot check with a DryRun. The region has no policies, so every action is `allowed`; a denied
 * simulation is armed as an API fault (`POST /_sim/faults` with service `iam`).
 */
function iamApi(world: SimWorld, params: QueryParams): QueryResult {
  switch (params.action) {
    case 'ListRoles':
      return listRoles(world, params);
    case 'SimulatePrincipalPolicy': {
      const source = params.get('PolicySourceArn') ?? '';
      if (!PRINCIPAL_ARN.test(source)) throw new SimApiError('InvalidInput', `Invalid ARN: ${source === '' ? 'PolicySourceArn is missing' : source}`);
      const actions = params.memberList('ActionNames');
      if (actions.length === 0)
        throw new SimApiError(
          'ValidationError',
          "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null",
        );
      const resources = params.memberList('ResourceArns');
      return {
        IsTruncated: false,
        EvaluationResults: actions.flatMap((action) =>
          (resources.length === 0 ? ['*'] : resources).map((resource) => ({
            EvalActionName: action,
            EvalResourceName: resource,
            EvalDecision: 'allowed',
            MatchedStatements: [],
            MissingContextValues: [],
          })),
        ),
      };
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${params.action} for version 2010-05-08`);
  }
}

/** IAM as the server serves it: awsQuery. */
export const iamService = awsQueryService<SimWorld>(IAM_NS, iamApi);
