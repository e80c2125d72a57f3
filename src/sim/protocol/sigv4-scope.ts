import { SimApiError } from './errors.js';

/** The credential scope of a SigV4 request: `Credential=<access key id>/<yyyymmdd>/<region>/<service>/aws4_request`. */
export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  /** The signing name of the service (`ec2`, `autoscaling`, `route53`, …). */
  service: string;
}

const SCOPE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

/**
 * The credential scope a request was signed with: from its `Authorization` header or, for a presigned URL, from its
 * `X-Amz-Credential` query parameter. `undefined` for an unsigned request or a scope that is not SigV4's.
 */
export function credentialScope(authorization: string | undefined, query: URLSearchParams): CredentialScope | undefined {
  const credential = /Credential=([^,\s]+)/.exec(authorization ?? '')?.[1] ?? query.get('X-Amz-Credential') ?? '';
  const m = SCOPE.exec(credential);
  if (m === null) return undefined;
  const [, accessKeyId = '', date = '', region = '', service = ''] = m;
  return { accessKeyId, date, region, service };
}

/**
 * Services AWS answers the same whatever region a request names. IAM and Route 53 are global services with one
 * endpoint (https://docs.aws.amazon.com/general/latest/gr/iam-service.html,
 * https://docs.aws.amazon.com/general/latest/gr/r53.html); STS has a global endpoint and a regional one in every
 * region, and credentials from any of them act in the same account
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html). A client pointed at
 * the region by endpoint URL signs these with its own region (the AWS CLI and the JS SDK both do), so the region
 * answers them for any region a request is signed for.
 */
export const GLOBAL_SERVICES: ReadonlySet<string> = new Set(['iam', 'route53', 'sts']);

/**
 * Why the region refuses a request before any operation runs, or `undefined` when it serves it: an unsigned request
 * gets `MissingAuthenticationToken` (403, the common error of every query API,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html), and a regional service's request signed for
 * another region gets `SignatureDoesNotMatch` (403) "Credential should be scoped to a valid region, not '<region>'."
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html), never another region's data.
 */
export function scopeRefusal(scope: CredentialScope | undefined, region: string): SimApiError | undefined {
  if (scope === undefined)
    return new SimApiError('MissingAuthenticationToken', 'The request must contain either a valid (registered) AWS access key ID or X.509 certificate.', 403);
  if (scope.region === region || GLOBAL_SERVICES.has(scope.service)) return undefined;
  // AWS's message ends with a space after the full stop.
  return new SimApiError('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${scope.region}'. `, 403);
}
