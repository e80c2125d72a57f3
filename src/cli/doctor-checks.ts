import type { AwsClientFactory } from '../aws/client-factory.js';
import { sdk } from '../aws/sdk.js';
import type { Redis } from 'ioredis';
import { connectRedis, displayUrl, isCluster, parseRedisUrl, type RedisClient } from '../orchestrator/redis-connection.js';
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

/**
 * Whether the queue's Redis answers, and whether it keeps what gameday needs: persistence (`redis persistence`: AOF
 * or RDB snapshots, else a warning), `maxmemory-policy noeviction` (`redis eviction`: BullMQ requires it), and on
 * Sentinel or Cluster its topology (`redis topology`). Skipped when none is configured, since the queue is optional.
 */
export async function checkRedis(url: string | undefined): Promise<CheckResult[]> {
  if (url === undefined || url === '')
    return [{ check: 'redis', status: 'skip', detail: 'not configured (the queue is optional): give --redis or REDIS_URL to check it' }];
  let redis: RedisClient;
  try {
    redis = await connectRedis(url, 3_000);
  } catch (error) {
    return [
      {
        check: 'redis',
        status: 'fail',
        detail: `${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}: start it, or fix --redis / REDIS_URL`,
      },
    ];
  }
  try {
    const target = parseRedisUrl(url);
    // On a cluster every primary holds part of the keys, so each must keep them.
    const nodes: { name: string; node: Redis }[] = isCluster(redis)
      ? redis.nodes('master').map((node) => ({ name: `${node.options.host ?? '?'}:${node.options.port ?? '?'}`, node }))
      : [{ name: '', node: redis }];
    const first = nodes[0]?.node ?? (redis as Redis);
    const version = /redis_version:(\S+)/.exec(await first.info('server'))?.[1];
    const results: CheckResult[] = [
      { check: 'redis', status: 'ok', detail: `${displayUrl(url)} answers${version === undefined ? '' : ` (Redis ${version})`}` },
    ];
    const per = await Promise.all(nodes.map(async ({ name, node }) => ({ name, ...(await durabilityOf(node)) })));
    results.push(
      worst(
        'redis persistence',
        per.map((p) => ({ name: p.name, ...p.persistence })),
      ),
    );
    results.push(
      worst(
        'redis eviction',
        per.map((p) => ({ name: p.name, ...p.eviction })),
      ),
    );
    if (target.kind !== 'single')
      results.push({ check: 'redis topology', status: 'ok', detail: await topologyOf(redis, target.kind === 'sentinel' ? target.name : '') });
    if (target.kind === 'sentinel') results.push(await acknowledgedWrites(redis as Redis));
    return results;
  } catch (error) {
    return [
      {
        check: 'redis',
        status: 'fail',
        detail: `${displayUrl(url)} answers, but could not be read: ${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}`,
      },
    ];
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

type Finding = Pick<CheckResult, 'status' | 'detail'>;

/** The persistence and eviction policy of one server, from INFO (and CONFIG GET save, where it is allowed). */
async function durabilityOf(node: Redis): Promise<{ persistence: Finding; eviction: Finding }> {
  const info = `${await node.info('persistence')}\n${await node.info('memory')}`;
  const field = (name: string): string | undefined => new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1];
  // Managed Redis often refuses CONFIG; INFO still says whether AOF is on.
  const save = await node
    .config('GET', 'save')
    .then((pair) => (Array.isArray(pair) ? String(pair[1] ?? '') : undefined))
    .catch(() => undefined);
  const aof = field('aof_enabled') === '1';
  const persistence: Finding = aof
    ? { status: 'ok', detail: 'append-only file on (appendonly yes)' }
    : save !== undefined && save.trim() !== ''
      ? { status: 'ok', detail: `RDB snapshots (save ${save}); the writes after the last snapshot are lost in a crash, appendonly yes keeps them` }
      : {
          status: 'warn',
          detail: `${save === undefined ? 'no append-only file, and whether RDB snapshots are on could not be read (CONFIG GET refused)' : 'neither an append-only file (appendonly) nor RDB snapshots (save)'}: a Redis restart forgets the queue, its runs and their undo logs, so a run whose worker is lost can no longer be undone; set appendonly yes`,
        };
  const policy = field('maxmemory_policy');
  const eviction: Finding =
    policy === 'noeviction'
      ? { status: 'ok', detail: 'maxmemory-policy noeviction' }
      : {
          status: 'fail',
          detail: `maxmemory-policy is ${policy ?? 'unknown'}: under memory pressure Redis may evict the queue's jobs, locks and undo logs, and BullMQ requires noeviction; set maxmemory-policy noeviction`,
        };
  return { persistence, eviction };
}

/** One check from each node's finding: the worst status, and which nodes have it when there are several. */
function worst(check: string, findings: (Finding & { name: string })[]): CheckResult {
  const order = ['fail', 'warn', 'ok'] as const;
  const status = order.find((s) => findings.some((f) => f.status === s)) ?? 'ok';
  const these = findings.filter((f) => f.status === status);
  if (findings.length === 1 || these.length === findings.length)
    return { check, status, detail: `${these[0]?.detail ?? ''}${findings.length > 1 ? ` (on all ${findings.length} primaries)` : ''}` };
  return { check, status, detail: these.map((f) => `${f.name}: ${f.detail}`).join('; ') };
}

/**
 * Whether a Sentinel-managed primary refuses writes it cannot replicate (`redis acknowledged writes`): with
 * `min-replicas-to-write 0` (Redis's default) a write it acknowledged but had not yet passed to a replica is lost when
 * that replica is promoted. gameday waits for the replicas after its own critical writes (docs/redis.md), but
 * `min-replicas-to-write 1` with `min-replicas-max-lag` is the documented server-side bound, so its absence warns.
 * Managed Redis that refuses `CONFIG` is judged from `INFO` (which shows `min_slaves_good_slaves` only when it is set).
 */
async function acknowledgedWrites(primary: Redis): Promise<CheckResult> {
  const check = 'redis acknowledged writes';
  const config = async (name: string): Promise<string | undefined> =>
    primary
      .config('GET', name)
      .then((pair) => (Array.isArray(pair) && pair.length >= 2 ? String(pair[1]) : undefined))
      .catch(() => undefined);
  const minReplicas = await config('min-replicas-to-write');
  const maxLag = await config('min-replicas-max-lag');
  const set =
    minReplicas === undefined ? /^min_slaves_good_slaves:/m.test(await primary.info('replication')) : Number(minReplicas) > 0 && Number(maxLag ?? '0') > 0;
  if (set)
    return {
      check,
      status: 'ok',
      detail:
        minReplicas === undefined
          ? 'the primary refuses writes it cannot pass to a replica (min-replicas-to-write is set)'
          : `the primary refuses writes unless ${minReplicas} replica(s) lag at most ${maxLag ?? '?'}s (min-replicas-to-write, min-replicas-max-lag)`,
    };
  return {
    check,
    status: 'warn',
    detail: `min-replicas-to-write is ${minReplicas ?? 'not set'} on the primary: a write it acknowledged but had not passed to its replica is lost when that replica is promoted (gameday waits for the replicas after its runs' submissions, ends, locks and undo-log records, but nothing else of BullMQ's does); set min-replicas-to-write 1 and min-replicas-max-lag 10`,
  };
}

/** The primary and replicas a Sentinel group serves, or a cluster's primaries and replicas. */
async function topologyOf(redis: RedisClient, sentinelName: string): Promise<string> {
  if (isCluster(redis)) {
    const address = (n: Redis): string => `${n.options.host ?? '?'}:${n.options.port ?? '?'}`;
    const primaries = redis.nodes('master').map(address);
    const replicas = redis.nodes('slave').map(address);
    return `a cluster of ${primaries.length} primaries (${primaries.join(', ')}) and ${replicas.length} replica(s)${replicas.length === 0 ? ': a primary lost loses its slots until it is back' : ` (${replicas.join(', ')})`}`;
  }
  const info = await redis.info('replication');
  const replicas = [...info.matchAll(/^slave\d+:ip=([^,]+),port=(\d+),state=(\w+)/gm)].map((m) => `${m[1]}:${m[2]} (${m[3]})`);
  const primary = `${redis.stream?.remoteAddress ?? '?'}:${redis.stream?.remotePort ?? '?'}`;
  return `primary ${primary} of '${sentinelName}' with ${replicas.length} replica(s)${replicas.length === 0 ? ': the Sentinels have nothing to fail over to' : `: ${replicas.join(', ')}`}`;
}
