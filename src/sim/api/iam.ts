import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import type { SimWorld } from '../region.js';

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(user|role|group)\/[\w+=,.@/-]+$/;

/**
 * IAM (awsQuery) of the simulated region: only SimulatePrincipalPolicy, which `gameday doctor` uses to check the
 * permissions it cannot check with a DryRun. The region has no policies, so every action is `allowed`; a denied
 * simulation is armed as an API fault (`POST /_sim/faults` with service `iam`).
 */
function iamApi(_world: SimWorld, params: QueryParams): QueryResult {
  switch (params.action) {
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
