import type { AwsClientFactory } from '../aws/client-factory.js';
import { sdk } from '../aws/sdk.js';
import { connectRedis, displayUrl } from '../orchestrator/redis-connection.js';
import { judgeAccount } from '../safety/accounts.js';

/** One readiness check's outcome: `skip` when it does not apply or an earlier failure made it moot. */
export interface CheckResult {
  check: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  /** One plain sentence: what was found, and when something is missing, how to fix it. */
  detail: string;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Whether a region is set (not just gameday's fallback) and looks like one. */
export function checkRegion(region: string, origin: string | undefined, kind: string): CheckResult {
  if (!REGION.test(region))
    return {
      check: 'region',
      status: 'fail',
      detail: `'${region}' (from ${origin ?? 'the default'}) is not an AWS region name such as us-east-1: fix --region, environment.region or AWS_REGION`,
    };
  if (origin === undefined && kind === 'aws') {
    return {
      check: 'region',
      status: 'warn',
      detail: `no region is set, so gameday uses ${region}: set environment.region, --region or AWS_REGION (gameday does not read the profile's region)`,
    };
  }
  return { check: 'region', status: 'ok', detail: `${region}${origin === undefined ? ' (the default)' : ` (from ${origin})`}` };
}

async function get(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  // Wall-clock on purpose: the limit of one real HTTP request, which no run's clock paces.
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, body: await res.text() };
}

/** Why a fetch failed, in words: the socket error's code when there is one. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused: nothing listens there';
  if (cause?.code === 'ENOTFOUND') return 'the host name does not resolve';
  if ((error as { name?: string }).name === 'TimeoutError') return 'no answer within 3 s';
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Whether the endpoint answers HTTP, and what it is: a simulated region (`GET /_sim/health`), LocalStack
 * (`GET /_localstack/health`, with the services it runs), or anything else that speaks HTTP.
 */
export async function checkEndpoint(endpoint: string, kind: 'sim' | 'localstack' | 'aws'): Promise<CheckResult> {
  const base = endpoint.replace(/\/$/, '');
  try {
    await get(`${base}/`, 3_000);
  } catch (error) {
    const start = kind === 'sim' ? 'start one with `gameday sim --port <port>`, or' : kind === 'localstack' ? 'start LocalStack, or' : '';
    return {
      check: 'endpoint',
      status: 'fail',
      detail: `nothing answers at ${base} (${networkReason(error)}): ${start} fix --endpoint or environment.endpoint`,
    };
  }
  if (kind === 'sim') {
    const health = await get(`${base}/_sim/health`, 3_000).catch(() => undefined);
    if (health?.status !== 200)
      return {
        check: 'endpoint',
        status: 'warn',
        detail: `${base} answers, but not as a simulated region (GET /_sim/health: ${health?.status ?? 'no answer'}): is it a \`gameday sim\`?`,
      };
    const ready = (JSON.parse(health.body) as { ready?: boolean }).ready === true;
    return {
      check: 'endpoint',
      status: 'ok',
      detail: `${base} answers: a simulated region, ${ready ? 'ready' : 'still starting (its groups are not yet at capacity)'}`,
    };
  }
  if (kind === 'localstack') {
    const health = await get(`${base}/_localstack/health`, 3_000).catch(() => undefined);
    if (health?.status !== 200)
      return {
        check: 'endpoint',
        status: 'warn',
        detail: `${base} answers, but not as LocalStack (GET /_localstack/health: ${health?.status ?? 'no answer'})`,
      };
    const services = (JSON.parse(health.body) as { services?: Record<string, string> }).services ?? {};
    const up = Object.entries(services)
      .filter(([, state]) => state === 'running' || state === 'available')
      .map(([name]) => name)
      .sort();
    const needed = ['ec2', 'sts', 'iam', 'autoscaling', 'elbv2', 'rds', 'route53', 'cloudwatch'];
    const missing = needed.filter((s) => !up.includes(s));
    const detail = `${base} answers: LocalStack with ${up.length === 0 ? 'no service available' : up.join(', ')} available`;
    return missing.length === 0
      ? { check: 'endpoint', status: 'ok', detail }
      : { check: 'endpoint', status: 'warn', detail: `${detail}; not available: ${missing.join(', ')} (faults and probes on them will fail)` };
  }
  return { check: 'endpoint', status: 'ok', detail: `${base} answers HTTP` };
}

/** Shows an access key id without giving it away. */
const masked = (key: string): string => (key.length <= 8 ? key : `${key.slice(0, 4)}…${key.slice(-4)}`);

/** Whether the factory finds credentials, where from, and that they are not expired. */
export async function checkCredentials(aws: AwsClientFactory, now = Date.now()): Promise<CheckResult> {
  const profile = aws.target.profile ?? (process.env.AWS_PROFILE || undefined);
  try {
    const c = await aws.resolveCredentials();
    const who = `${c.source}, access key ${masked(c.accessKeyId)}`;
    if (c.expiration === undefined) return { check: 'credentials', status: 'ok', detail: who };
    const left = c.expiration.getTime() - now;
    if (left <= 0)
      return {
        check: 'credentials',
        status: 'fail',
        detail: `${who}, expired at ${c.expiration.toISOString()}: ${profile === undefined ? 'renew them' : `run \`aws sso login --profile ${profile}\` (or renew the profile's credentials)`}`,
      };
    return { check: 'credentials', status: 'ok', detail: `${who}, valid for ${Math.floor(left / 60_000)} more minutes` };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.replace(/\.$/, '') ?? '';
    const fix =
      profile === undefined
        ? 'set AWS_PROFILE or --profile to a profile of ~/.aws/config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or container role applies'
        : `check that profile ${profile} exists in ~/.aws/config (or AWS_CONFIG_FILE); for an SSO profile, run \`aws sso login --profile ${profile}\``;
    // The factory's own sentence already says where it looked.
    const looked = /^No AWS credentials found (.+)$/.exec(reason)?.[1];
    return { check: 'credentials', status: 'fail', detail: `none found ${looked ?? `(${reason})`}: ${fix}` };
  }
}

/** What GetCallerIdentity says, with the account checked against the allow-lists. */
export async function checkIdentity(
  aws: AwsClientFactory,
  allowLists: { operator: readonly string[]; experiment: readonly string[] | undefined },
): Promise<{ result: CheckResult; arn?: string; account?: string }> {
  let account: string | undefined;
  let arn: string | undefined;
  try {
    const { GetCallerIdentityCommand } = await sdk.sts();
    const out = await (await aws.sts()).send(new GetCallerIdentityCommand({}));
    account = out.Account;
    arn = out.Arn;
  } catch (error) {
    const name = (error as { name?: string }).name ?? 'Error';
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    const fix = /InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|UnrecognizedClient/.test(name)
      ? 'the credentials are not accepted: renew them or pick another profile'
      : 'check the region, the endpoint and the network';
    return { result: { check: 'identity', status: 'fail', detail: `sts:GetCallerIdentity failed (${name}: ${reason}): ${fix}` } };
  }
  const who = `account ${account ?? 'unknown'} as ${arn ?? 'an unknown principal'}`;
  const found = { ...(arn === undefined ? {} : { arn }), ...(account === undefined ? {} : { account }) };
  const { operator, experiment } = allowLists;
  const verdict = judgeAccount(account, [
    { name: 'GAMEDAY_ALLOWED_ACCOUNT_IDS', ids: operator },
    { name: 'allowedAccountIds', ids: experiment ?? [] },
  ]);
  if (!verdict.allowed) {
    const { name, ids } = verdict.refusedBy;
    const fix = name === 'allowedAccountIds' ? 'or fix the list' : 'or add it there';
    const list = name === 'allowedAccountIds' ? "the experiment's allowedAccountIds" : name;
    return {
      result: {
        check: 'identity',
        status: 'fail',
        detail: `${who}, which is not in ${list} (${ids.join(', ')}): use credentials of an allowed account, ${fix}`,
      },
      ...found,
    };
  }
  if (verdict.allowedBy.length > 0)
    return { result: { check: 'identity', status: 'ok', detail: `${who}, allowed by ${verdict.allowedBy.join(' and ')}` }, ...found };
  if (aws.target.kind === 'aws') {
    return {
      result: {
        check: 'identity',
        status: 'warn',
        detail: `${who}; no allow-list names it: a run against aws needs it in environment.allowedAccountIds (or GAMEDAY_ALLOWED_ACCOUNT_IDS)`,
      },
      ...found,
    };
  }
  return { result: { check: 'identity', status: 'ok', detail: who }, ...found };
}

/** Whether the queue's Redis answers; skipped when none is configured, since the queue is optional. */
export async function checkRedis(url: string | undefined): Promise<CheckResult> {
  if (url === undefined || url === '')
    return { check: 'redis', status: 'skip', detail: 'not configured (the queue is optional): give --redis or REDIS_URL to check it' };
  try {
    const redis = await connectRedis(url, 3_000);
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
    await redis.quit().catch(() => redis.disconnect());
    return { check: 'redis', status: 'ok', detail: `${displayUrl(url)} answers${version === undefined ? '' : ` (Redis ${version})`}` };
  } catch (error) {
    return {
      check: 'redis',
      status: 'fail',
      detail: `${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}: start it, or fix --redis / REDIS_URL`,
    };
  }
}
