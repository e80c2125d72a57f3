import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { queryResponse, type XmlReply } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';

export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** STS (awsQuery) of the simulated region: who the caller is. */
export function stsApi(world: SimWorld, params: QueryParams): XmlReply {
  if (params.action !== 'GetCallerIdentity') throw new SimApiError('InvalidAction', `Could not find operation ${params.action} for version 2011-06-15`);
  const account = world.topology.accountId;
  return queryResponse(STS_NS, 'GetCallerIdentity', { UserId: 'AIDASIMULATEDGAMEDAY', Account: account, Arn: `arn:aws:iam::${account}:user/gameday-sim` });
}
