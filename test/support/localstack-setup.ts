import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cli.js';

/**
 * Reading the LocalStack set-up as docker compose and GitHub Actions would: the compose files (with their
 * `${VAR:-default}` defaults), the workflow's steps, and the experiments under experiments/localstack/.
 */

export const LOCALSTACK_DIR = join(ROOT, 'localstack');
export const COMPOSE_FILE = join(LOCALSTACK_DIR, 'docker-compose.yml');
export const COMPOSE_PRO_FILE = join(LOCALSTACK_DIR, 'docker-compose.pro.yml');
export const WORKFLOW_FILE = join(ROOT, '.github', 'workflows', 'localstack.yml');
export const EXPERIMENTS_DIR = join(ROOT, 'experiments', 'localstack');

/** A compose interpolation: `${NAME}`, `${NAME:-default}` or `${NAME:?message}` (required). */
export interface ComposeValue {
  name: string | undefined;
  default: string | undefined;
  required: boolean;
  raw: string;
}

/** Reads one compose value; a value without interpolation is its own default. */
export function composeValue(raw: string): ComposeValue {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)(.*))?\}$/s.exec(raw);
  if (m === null) return { name: undefined, default: raw, required: false, raw };
  return { name: m[1], default: m[2] === ':-' ? m[3] : undefined, required: m[2] === ':?', raw };
}

export interface ComposeService {
  image: ComposeValue | undefined;
  environment: Record<string, ComposeValue>;
  ports: string[];
  /** `host:container[:mode]`, the host side resolved against the compose file's folder (docker compose's rule). */
  volumes: { host: string; container: string; mode: string | undefined }[];
}

/** The `localstack` service of a compose file. */
export async function readComposeService(file: string, projectDir = LOCALSTACK_DIR): Promise<ComposeService> {
  const doc = parse(await readFile(file, 'utf8')) as { services?: Record<string, Record<string, unknown>> };
  const service = doc.services?.localstack;
  if (service === undefined) throw new Error(`${file} has no localstack service`);
  const environment: Record<string, ComposeValue> = {};
  for (const [k, v] of Object.entries((service.environment ?? {}) as Record<string, unknown>)) environment[k] = composeValue(String(v));
  const volumes = ((service.volumes ?? []) as string[]).map((v) => {
    const [host = '', container = '', mode] = v.split(':');
    return { host: host.startsWith('.') ? resolve(projectDir, host) : host, container, mode };
  });
  return {
    image: typeof service.image === 'string' ? composeValue(service.image) : undefined,
    environment,
    ports: ((service.ports ?? []) as string[]).map(String),
    volumes,
  };
}

/** Both tiers as docker compose merges them: the free file alone, and the free file with the Pro override. */
export async function composeTiers(): Promise<{ free: ComposeService; paid: ComposeService }> {
  const free = await readComposeService(COMPOSE_FILE);
  const pro = await readComposeService(COMPOSE_PRO_FILE);
  const paid: ComposeService = {
    image: pro.image ?? free.image,
    environment: { ...free.environment, ...pro.environment },
    ports: [...free.ports, ...pro.ports],
    // Compose merges volumes by their container path.
    volumes: [...free.volumes.filter((v) => !pro.volumes.some((p) => p.container === v.container)), ...pro.volumes],
  };
  return { free, paid };
}

/** The host path a path inside the container comes from, through the service's volumes; undefined if none mounts it. */
export function hostPathOf(service: ComposeService, containerPath: string): string | undefined {
  for (const v of service.volumes) {
    const rel = posix.relative(v.container, containerPath);
    if (rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel))) return join(v.host, rel);
  }
  return undefined;
}

/** The services list of a tier (its `SERVICES` default). */
export function servicesOf(service: ComposeService): string[] {
  return (service.environment.SERVICES?.default ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export interface WorkflowStep {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

export interface Workflow {
  on: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; env?: Record<string, string>; steps: WorkflowStep[] }>;
}

export async function readWorkflow(): Promise<Workflow> {
  return parse(await readFile(WORKFLOW_FILE, 'utf8')) as Workflow;
}

/** A step that runs `gameday run FILE …`, with its arguments as the shell would split them (no quoting is used). */
export interface ExperimentStep {
  step: WorkflowStep;
  /** The experiment file, relative to the repository root. */
  file: string;
  /** Every argument after `node bin/gameday.js`. */
  args: string[];
}

export function experimentSteps(steps: readonly WorkflowStep[]): ExperimentStep[] {
  const out: ExperimentStep[] = [];
  for (const step of steps) {
    for (const line of (step.run ?? '').split('\n')) {
      const m = /^\s*node bin\/gameday\.js (run .*)$/.exec(line);
      if (m === null) continue;
      const args = (m[1] ?? '').trim().split(/\s+/);
      const file = args[1];
      if (file === undefined) throw new Error(`a gameday run without a file in step ${step.name ?? '?'}`);
      out.push({ step, file, args });
    }
  }
  return out;
}

/** The value of `--flag VALUE` in `args`. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

export interface LocalStackExperiment {
  /** Relative to the repository root, as the workflow names it. */
  file: string;
  name: string;
  tier: 'free' | 'paid' | undefined;
  environment: { type?: string; endpoint?: string };
  /** Action and probe ids the experiment uses. */
  ids: string[];
  alarms: boolean;
}

/** Every experiment under experiments/localstack/, with its tier from its `localstack-free`/`localstack-paid` tag. */
export async function localStackExperiments(): Promise<LocalStackExperiment[]> {
  const files = (await readdir(EXPERIMENTS_DIR)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const out: LocalStackExperiment[] = [];
  for (const f of files) {
    const path = join(EXPERIMENTS_DIR, f);
    const doc = parse(await readFile(path, 'utf8')) as {
      metadata: { name: string; tags?: string[] };
      environment?: { type?: string; endpoint?: string };
      probes?: { probe: string }[];
      faults?: { action: string }[];
      rollbacks?: { action: string }[];
      stopConditions?: { alarm?: string }[];
    };
    const tags = doc.metadata.tags ?? [];
    const tier = tags.includes('localstack-free') ? 'free' : tags.includes('localstack-paid') ? 'paid' : undefined;
    out.push({
      file: relative(ROOT, path).split('\\').join('/'),
      name: doc.metadata.name,
      tier,
      environment: doc.environment ?? {},
      ids: [...(doc.probes ?? []).map((p) => p.probe), ...(doc.faults ?? []).map((a) => a.action), ...(doc.rollbacks ?? []).map((a) => a.action)],
      alarms: (doc.stopConditions ?? []).some((s) => s.alarm !== undefined),
    });
  }
  return out;
}

/** A GitHub Actions `path` glob with one `*` in the file name as a test on a file's path relative to the workspace. */
export function matchesGlob(glob: string, path: string): boolean {
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${pattern}$`).test(path);
}

/**
 * AWS signing names, as journals record them, to LocalStack's service names. Only services whose names differ
 * are listed.
 */
export const SIGNING_TO_LOCALSTACK: Readonly<Record<string, string>> = { elasticloadbalancing: 'elbv2', monitoring: 'cloudwatch' };

/**
 * What the archived community image registers (localstack-core/localstack/services/providers.py at 8b9a79f, per
 * ../shared/AWS-FACTS.md §1.1): the free tier's ceiling. No autoscaling, elbv2, rds or fis.
 */
export const COMMUNITY_SERVICES: readonly string[] = [
  'acm',
  'apigateway',
  'cloudformation',
  'config',
  'cloudwatch',
  'dynamodb',
  'dynamodbstreams',
  'ec2',
  'es',
  'firehose',
  'iam',
  'sts',
  'kinesis',
  'kms',
  'lambda',
  'logs',
  'opensearch',
  'redshift',
  'route53',
  'route53resolver',
  's3',
  's3control',
  'scheduler',
  'secretsmanager',
  'ses',
  'sns',
  'sqs',
  'ssm',
  'stepfunctions',
];
