import type { Registry } from './registry.js';

/**
 * Where each registered action and probe works: the simulated region, moto_server, LocalStack without a licence
 * (community/free), LocalStack with one (Pro/Ultimate), and AWS. The facts come from ../shared/AWS-FACTS.md
 * (LocalStack's coverage data and docs, moto 5.2.1's source and behaviour); claims about moto name the conformance
 * test that backs them. `docs/capabilities.md` is generated from this table (`gameday capabilities --format md`).
 */

/** The places an experiment can run against, in the order the matrix shows them. */
export const CAPABILITY_ENVIRONMENTS = ['sim', 'moto', 'localstack-free', 'localstack-paid', 'aws'] as const;
export type CapabilityEnvironment = (typeof CAPABILITY_ENVIRONMENTS)[number];

/** Column headings of the environments. */
export const ENVIRONMENT_TITLES: Readonly<Record<CapabilityEnvironment, string>> = {
  sim: 'sim',
  moto: 'moto 5.2.1',
  'localstack-free': 'LocalStack free',
  'localstack-paid': 'LocalStack paid',
  aws: 'AWS',
};

/** `yes`: does what it does on AWS; `partial`: runs, with the difference the note names; `no`: cannot run there. */
export type Support = 'yes' | 'partial' | 'no';

export interface Capability {
  support: Support;
  note?: string;
}

/**
 * AWS services an action or probe calls, as LocalStack's `SERVICES` setting names them (not signing names). Every
 * fault that touches AWS also calls `sts` (the account guard's GetCallerIdentity); alarm stop conditions call
 * `cloudwatch`.
 */
export type LocalStackService = 'ec2' | 'autoscaling' | 'elbv2' | 'rds' | 'route53' | 'fis' | 'sts' | 'cloudwatch';

export interface CapabilityRow {
  kind: 'action' | 'probe';
  services: readonly LocalStackService[];
  support: Readonly<Record<CapabilityEnvironment, Capability>>;
}

const MOTO_TEST = 'test/conformance/moto.test.ts';
const MOTO_DATA_TEST = 'test/conformance/moto-data-tier.test.ts';
const LOCAL_ONLY = 'No AWS call: works wherever the system under test is reachable.';
const NO_WORKLOAD_MOTO = 'moto runs no workloads: its instances, load balancers and databases are records, there is nothing to reach.';
const NO_WORKLOAD_FREE = 'LocalStack free runs no workloads for EC2 (mock VM manager), and has no ELBv2 or RDS.';
const yes = (note?: string): Capability => (note === undefined ? { support: 'yes' } : { support: 'yes', note });
const partial = (note: string): Capability => ({ support: 'partial', note });
const no = (note: string): Capability => ({ support: 'no', note });

function local(kind: 'action' | 'probe'): CapabilityRow {
  return { kind, services: [], support: { sim: yes(LOCAL_ONLY), moto: yes(LOCAL_ONLY), 'localstack-free': yes(LOCAL_ONLY), 'localstack-paid': yes(LOCAL_ONLY), aws: yes(LOCAL_ONLY) } };
}

/** The matrix, keyed by action or probe id. */
export const CAPABILITIES: Readonly<Record<string, CapabilityRow>> = {
  'http.request': local('action'),
  'process.exec': local('action'),
  'aws.ec2.terminate-instances': {
    kind: 'action',
    services: ['ec2'],
    support: {
      sim: yes('running → shutting-down → terminated with AWS timings; the group replaces the instance after its health check.'),
      moto: partial(`Terminated at once (the answer still says shutting-down); an Auto Scaling group relaunches inside the same call (${MOTO_TEST}: "aws.ec2.terminate-instances").`),
      'localstack-free': partial('Community EC2 falls through to moto: terminated at once. Without Auto Scaling (not in community) nothing replaces it.'),
      'localstack-paid': partial('Same mock semantics; an Auto Scaling group (mock VM manager only) probably relaunches synchronously as in moto (unverified).'),
      aws: yes(),
    },
  },
  'aws.ec2.stop-instances': {
    kind: 'action',
    services: ['ec2'],
    support: {
      sim: yes('stopping → stopped in 30 s of AWS time; the rollback starts the instances and waits until running.'),
      moto: partial(`Stopped and started at once, no stopping/pending states (${MOTO_TEST}: "aws.ec2.stop-instances").`),
      'localstack-free': partial('Community EC2 (moto semantics): stopped and started at once.'),
      'localstack-paid': partial('Mock VM manager: as free; the Docker VM manager stops the instance\'s container.'),
      aws: yes(),
    },
  },
  'aws.ec2.reboot-instances': {
    kind: 'action',
    services: ['ec2'],
    support: {
      sim: yes(),
      moto: partial(`Accepted, nothing reboots; the instances stay running (${MOTO_TEST}: "aws.ec2.reboot-instances").`),
      'localstack-free': partial('RebootInstances is implemented in community EC2 (moto): nothing reboots.'),
      'localstack-paid': partial('Mock VM manager: nothing reboots; the Docker VM manager restarts the container.'),
      aws: yes(),
    },
  },
  'aws.rds.failover': {
    kind: 'action',
    services: ['rds'],
    support: {
      sim: yes('Multi-AZ instances fail over in 90 s of AWS time, DB clusters in about 35 s; the endpoint name follows the primary.'),
      moto: partial(`RebootDBInstance ignores ForceFailover, so gameday reports the failover as not landed (${MOTO_DATA_TEST}: "reports a failover that did not move the primary"); FailoverDBCluster swaps the writer at once (not covered by a test).`),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': no('FailoverDBCluster is not implemented; RebootDBInstance exists but nothing shows ForceFailover moving the primary, so the action ends not landed.'),
      aws: yes(),
    },
  },
  'aws.rds.reboot': {
    kind: 'action',
    services: ['rds'],
    support: {
      sim: yes(),
      moto: partial('RebootDBInstance answers with the instance still available: nothing reboots (AWS-FACTS §2.2); RebootDBCluster is not checked against moto.'),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': partial('RebootDBInstance is implemented (aws_validated); RebootDBCluster is not implemented.'),
      aws: yes(),
    },
  },
  'aws.route53.fail-health-check': {
    kind: 'action',
    services: ['route53'],
    support: {
      sim: yes('The inverted check fails at its next evaluation and DNS fails over.'),
      moto: partial(`Inverted is stored and restored (${MOTO_DATA_TEST}: "inverts a Route 53 health check"), but HealthCheckVersion is never bumped and the status never changes.`),
      'localstack-free': partial('Community Route 53 is moto\'s: Inverted is stored, the status stays a static success, no DNS failover.'),
      'localstack-paid': partial('Health checks probe and DNS fails over only on the Ultimate plan (unverified here).'),
      aws: yes(),
    },
  },
  'aws.scenario.az-outage': {
    kind: 'action',
    services: ['ec2', 'rds'],
    support: {
      sim: yes(),
      moto: partial('The zone\'s instances go at once; a Multi-AZ primary never moves (RebootDBInstance ignores ForceFailover), so a zone with one ends not landed.'),
      'localstack-free': no('The plan lists the zone\'s databases, and RDS is not in the community image.'),
      'localstack-paid': partial('Instances only: a zone holding a Multi-AZ primary or a DB cluster writer ends not landed (no ForceFailover evidence, no FailoverDBCluster).'),
      aws: yes(),
    },
  },
  'aws.fis.experiment': {
    kind: 'action',
    services: ['fis'],
    support: {
      sim: yes('Templates, experiments with the FIS lifecycle, the safety lever, aws:network:disrupt-connectivity (scope all); the experiment lifecycle is tested against the sim only.'),
      moto: no('moto 5.2.1 routes only /experimentTemplates (create, delete) and /tags, so no experiment runs: StartExperiment and GetExperimentTemplate answer an HTML 404. The templates gameday writes are created and deleted there (test/conformance/moto-fis.test.ts).'),
      'localstack-free': no('FIS is not in the community image.'),
      'localstack-paid': partial('Enterprise only; ListExperimentResolvedTargets is not implemented (the journal says the resolved targets are unknown), selection modes are ignored and aws:rds:failover-db-cluster is not executed.'),
      aws: yes(),
    },
  },
  http: {
    kind: 'probe',
    services: [],
    support: {
      sim: yes('Instances and ALBs really serve HTTP.'),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no(NO_WORKLOAD_FREE),
      'localstack-paid': partial('The Docker VM manager runs instances as containers and the ALB forwards, but Auto Scaling only works with the mock VM manager.'),
      aws: yes(),
    },
  },
  tcp: {
    kind: 'probe',
    services: [],
    support: {
      sim: yes(),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no(NO_WORKLOAD_FREE),
      'localstack-paid': partial('As http: containers of the Docker VM manager and RDS database ports (4510-4559) answer.'),
      aws: yes(),
    },
  },
  dns: {
    kind: 'probe',
    services: [],
    support: {
      sim: yes('The region\'s DNS server answers by routing policy and health.'),
      moto: no('moto has no DNS server.'),
      'localstack-free': partial('LocalStack has a DNS server (port 53, not published by localstack/docker-compose.yml); whether it answers hosted-zone records is unverified, and failover records are evaluated only by Pro.'),
      'localstack-paid': partial('DNS failover on health checks on the Ultimate plan (unverified here).'),
      aws: yes(),
    },
  },
  'sql.query': {
    kind: 'probe',
    services: [],
    support: {
      sim: yes('PostgreSQL served by PGlite behind the instance endpoint.'),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': partial('One real database process per instance; Multi-AZ is stored, not served, so a failover never moves it.'),
      aws: yes(),
    },
  },
  'sql.write-ledger': {
    kind: 'probe',
    services: [],
    support: {
      sim: yes('A Multi-AZ failover keeps every acknowledged write, as RDS does.'),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': partial('Writes go to the one local database process; with no failover there are no lost writes to measure.'),
      aws: yes(),
    },
  },
  'aws.asg.in-service': {
    kind: 'probe',
    services: ['autoscaling'],
    support: {
      sim: yes('Pending → InService after launch and grace period; unhealthy instances are replaced.'),
      moto: partial(`Replacement is instant and health never changes by itself (${MOTO_TEST}: "aws.asg.in-service reports an unknown group", "terminates one group instance").`),
      'localstack-free': no('Auto Scaling is not in the community image.'),
      'localstack-paid': partial('Mock VM manager only; replacement probably as instant as moto\'s (unverified).'),
      aws: yes(),
    },
  },
  'aws.elbv2.healthy-targets': {
    kind: 'probe',
    services: ['elbv2'],
    support: {
      sim: yes('Targets are health-checked over HTTP with ELBv2\'s thresholds and states.'),
      moto: partial(`Static health: a registered running instance is healthy at once, never unhealthy (${MOTO_TEST}: "aws.elbv2.healthy-targets counts healthy targets").`),
      'localstack-free': no('ELBv2 is not in the community image.'),
      'localstack-paid': partial('No evidence of real target health checks: assume static states as in moto (unverified).'),
      aws: yes(),
    },
  },
  'aws.ec2.instance-state': {
    kind: 'probe',
    services: ['ec2'],
    support: {
      sim: yes(),
      moto: yes(`Instant states (${MOTO_TEST}: "aws.ec2.instance-state counts instances in a state").`),
      'localstack-free': yes('Community EC2 (moto semantics: instant states).'),
      'localstack-paid': yes(),
      aws: yes(),
    },
  },
  'aws.rds.status': {
    kind: 'probe',
    services: ['rds'],
    support: {
      sim: yes('rebooting, failing-over, available as RDS reports them.'),
      moto: partial(`Always available: moto has no rebooting or failing-over status (${MOTO_DATA_TEST}: "reports a failover that did not move the primary").`),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': partial('The native RDS provider describes instances and clusters; transitional statuses are unverified.'),
      aws: yes(),
    },
  },
  'aws.route53.health-check-status': {
    kind: 'probe',
    services: ['route53'],
    support: {
      sim: yes('Three checker regions probe the endpoint; Inverted and Disabled apply.'),
      moto: partial(`A static success whatever the endpoint, Inverted or Disabled (${MOTO_DATA_TEST}: "inverts a Route 53 health check").`),
      'localstack-free': partial('Community Route 53 is moto\'s: a static success, no probing.'),
      'localstack-paid': partial('Real probing on the Ultimate plan (unverified here).'),
      aws: yes(),
    },
  },
};

/** One sentence per mismatch between the registry and the matrix: an id without a row, or a row without an id. */
export function capabilityProblems(registry: Registry, table: Readonly<Record<string, CapabilityRow>> = CAPABILITIES): string[] {
  const problems: string[] = [];
  const registered = new Map<string, 'action' | 'probe'>([...registry.actions.map((a) => [a.id, 'action'] as const), ...registry.probes.map((p) => [p.id, 'probe'] as const)]);
  for (const [id, kind] of registered) {
    const row = table[id];
    if (row === undefined) problems.push(`The ${kind} ${id} has no row in the capability matrix (src/registry/capabilities.ts).`);
    else if (row.kind !== kind) problems.push(`The capability matrix calls ${id} ${article(row.kind)}, but it is registered as ${article(kind)}.`);
  }
  for (const id of Object.keys(table)) {
    if (!registered.has(id)) problems.push(`The capability matrix has a row for ${id}, which is not a registered action or probe.`);
  }
  return problems;
}

const article = (kind: 'action' | 'probe'): string => (kind === 'action' ? 'an action' : 'a probe');

/**
 * The AWS services an experiment's runs call in an environment: those of its faults, probes and rollbacks, plus STS
 * when a fault touches AWS (the account guard) and CloudWatch for alarm stop conditions.
 */
export function servicesUsed(ids: Iterable<string>, options: { alarms?: boolean } = {}, table: Readonly<Record<string, CapabilityRow>> = CAPABILITIES): LocalStackService[] {
  const services = new Set<LocalStackService>();
  for (const id of ids) for (const s of table[id]?.services ?? []) services.add(s);
  if (services.size > 0) services.add('sts');
  if (options.alarms === true) services.add('cloudwatch');
  return [...services].sort();
}

/** The matrix as Markdown, in registry order (actions, then probes): what docs/capabilities.md holds. */
export function renderCapabilitiesMarkdown(registry: Registry, table: Readonly<Record<string, CapabilityRow>> = CAPABILITIES): string {
  const ids = orderedIds(registry).filter((id) => table[id] !== undefined);
  const head = `| id | kind | AWS services | ${CAPABILITY_ENVIRONMENTS.map((e) => ENVIRONMENT_TITLES[e]).join(' | ')} |`;
  const rule = `|${' --- |'.repeat(3 + CAPABILITY_ENVIRONMENTS.length)}`;
  const rows = ids.map((id) => {
    const row = table[id] as CapabilityRow;
    const services = row.services.length === 0 ? '—' : row.services.join(', ');
    return `| [\`${id}\`](#${anchor(id)}) | ${row.kind} | ${services} | ${CAPABILITY_ENVIRONMENTS.map((e) => row.support[e].support).join(' | ')} |`;
  });
  const notes = ids.flatMap((id) => {
    const row = table[id] as CapabilityRow;
    const all = CAPABILITY_ENVIRONMENTS.map((e) => row.support[e]);
    const first = all[0];
    // A note shared by every environment (the actions and probes that make no AWS call) is said once.
    const lines =
      first?.note !== undefined && all.every((c) => c.note === first.note && c.support === first.support)
        ? [`- everywhere (${first.support}): ${first.note}`]
        : CAPABILITY_ENVIRONMENTS.flatMap((e) => {
            const c = row.support[e];
            return c.note === undefined ? [] : [`- ${ENVIRONMENT_TITLES[e]} (${c.support}): ${c.note}`];
          });
    return [`### \`${id}\``, '', ...lines, ''];
  });
  return [
    '# Where each action and probe works',
    '',
    'Generated by `gameday capabilities --format md` from `src/registry/capabilities.ts`; do not edit by hand.',
    '',
    '- **sim**: gameday\'s simulated region. **moto**: moto_server 5.2.1 (what the conformance tests run against).',
    '- **LocalStack free**: the community image without an auth token (`localstack/localstack`, pinned before the',
    '  2026 auth gate): EC2, Route 53, STS, IAM, CloudWatch, CloudFormation, but no Auto Scaling, ELBv2, RDS or FIS.',
    '- **LocalStack paid**: `localstack/localstack-pro` with `LOCALSTACK_AUTH_TOKEN` (Base tier for Auto Scaling, ELBv2',
    '  and RDS; Route 53 failover on Ultimate; FIS on Enterprise).',
    '- **yes**: behaves as on AWS for what gameday checks; **partial**: runs, with the difference noted below; **no**:',
    '  cannot run there.',
    '- Every fault that touches AWS also calls STS GetCallerIdentity (the account guard); alarm stop conditions call',
    '  CloudWatch. Claims about moto cite the conformance test that checks them; how to run against LocalStack is in',
    '  [localstack/README.md](../localstack/README.md).',
    '',
    head,
    rule,
    ...rows,
    '',
    '## Notes',
    '',
    ...notes,
  ].join('\n');
}

/** GitHub's heading anchor of `### \`id\``: lower case, punctuation other than `-` dropped. */
function anchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9 -]/g, '').replaceAll(' ', '-');
}

/** The matrix as JSON-ready data, in registry order. */
export function capabilitiesJson(registry: Registry, table: Readonly<Record<string, CapabilityRow>> = CAPABILITIES): { environments: readonly CapabilityEnvironment[]; rows: ({ id: string } & CapabilityRow)[] } {
  return {
    environments: CAPABILITY_ENVIRONMENTS,
    rows: orderedIds(registry).flatMap((id) => {
      const row = table[id];
      return row === undefined ? [] : [{ id, ...row }];
    }),
  };
}

function orderedIds(registry: Registry): string[] {
  return [...registry.actions.map((a) => a.id), ...registry.probes.map((p) => p.id)];
}
