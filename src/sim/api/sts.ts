import { randomBytes } from 'node:crypto';
import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import type { SimWorld } from '../region.js';

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const id = (prefix: string, n: number): string => `${prefix}${randomBytes(n).toString('hex').toUpperCase()}`.slice(0, prefix.length + n);

/**
 * STS (awsQuery) of the simulated region: who the caller is, and AssumeRole. Sessions are remembered by their access
 * key id, so GetCallerIdentity signed with assumed credentials names the assumed role, in the role's account.
 */
function stsApi(world: SimWorld, params: QueryParams, callerAccessKey: string | undefined): QueryResult {
  switch (params.action) {
    case 'GetCallerIdentity': {
      const session = callerAccessKey === undefined ? undefined : world.stsSessions.get(callerAccessKey);
      if (session !== undefined) return { UserId: `${session.roleId}:${session.sessionName}`, Account: session.account, Arn: session.arn };
      const account = world.topology.accountId;
      return { UserId: 'AIDASIMULATEDGAMEDAY', Account: account, Arn: `arn:aws:iam::${account}:user/gameday-sim` };
    }
    case 'AssumeRole': {
      const roleArn = params.get('RoleArn') ?? '';
      const sessionName = params.get('RoleSessionName') ?? '';
      const role = ROLE_ARN.exec(roleArn);
      if (role === null) throw new SimApiError('ValidationError', `${roleArn} is invalid`);
      if (!SESSION_NAME.test(sessionName))
        throw new SimApiError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`);
      const [, account = '', roleName = ''] = role;
      const duration = Number(params.get('DurationSeconds') ?? '3600');
      const accessKeyId = id('ASIA', 16);
      const roleId = id('AROA', 17);
      const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
      world.stsSessions.set(accessKeyId, { arn, account, roleId, sessionName });
      return {
        Credentials: {
          AccessKeyId: accessKeyId,
          SecretAccessKey: randomBytes(30).toString('base64'),
          SessionToken: randomBytes(60).toString('base64'),
          Expiration: new Date(Date.now() + duration * 1_000).toISOString(),
        },
        AssumedRoleUser: { AssumedRoleId: `${roleId}:${sessionName}`, Arn: arn },
      };
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${params.action} for version 2011-06-15`);
  }
}

/** STS as the server serves it: awsQuery. */
export const stsService = awsQueryService<SimWorld>(STS_NS, stsApi);
