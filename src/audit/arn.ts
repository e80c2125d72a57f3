import type { Architecture } from '../architecture/model.js';

/**
 * ARNs of resources the model knows only by id, so every finding's evidence can be looked up in the console the same
 * way (`arn:aws:ec2:<region>:<account>:<type>/<id>`).
 */
export function ec2Arn(a: Pick<Architecture, 'region' | 'accountId'>, type: 'instance' | 'subnet' | 'natgateway' | 'route-table' | 'vpc', id: string): string {
  return `arn:aws:ec2:${a.region}:${a.accountId}:${type}/${id}`;
}

/** A Route 53 health check's ARN (global: no region). */
export function healthCheckArn(id: string): string {
  return `arn:aws:route53:::healthcheck/${id}`;
}

/** A Route 53 hosted zone's ARN; the model's id may carry the API's `/hostedzone/` prefix. */
export function hostedZoneArn(id: string): string {
  return `arn:aws:route53:::hostedzone/${id.replace(/^\/?hostedzone\//, '')}`;
}

/** A launch template's ARN. */
export function launchTemplateArn(a: Pick<Architecture, 'region' | 'accountId'>, id: string): string {
  return `arn:aws:ec2:${a.region}:${a.accountId}:launch-template/${id}`;
}
