/**
 * The vocabulary of a capability row: where an action or probe works among the simulated region, moto_server,
 * LocalStack without a licence (community/free), LocalStack with one (Pro/Ultimate), and AWS. Each definition
 * declares its own row (`capabilities`), checked when it registers. The facts come from ../shared/AWS-FACTS.md
 * (LocalStack's coverage data and docs, moto 5.2.1's source and behaviour); claims about moto name the conformance
 * test that backs them. `docs/capabilities.md` is generated from the rows (`gameday capabilities --format md`).
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

/** How well one environment serves a definition, and why when not fully. */
export interface Capability {
  support: Support;
  note?: string;
}

/**
 * AWS services an action or probe calls, as LocalStack's `SERVICES` setting names them (not signing names). Every
 * fault that touches AWS also calls `sts` (the account guard's GetCallerIdentity); alarm stop conditions call
 * `cloudwatch`.
 */
export const LOCALSTACK_SERVICES = ['ec2', 'autoscaling', 'elbv2', 'rds', 'route53', 'fis', 'ssm', 'sts', 'cloudwatch'] as const;
export type LocalStackService = (typeof LOCALSTACK_SERVICES)[number];

/** What a definition declares about where it works: the services it calls and its support in every environment. */
export interface Capabilities {
  services: readonly LocalStackService[];
  support: Readonly<Record<CapabilityEnvironment, Capability>>;
}

/** A definition's capabilities with its kind: one row of the matrix. */
export interface CapabilityRow extends Capabilities {
  kind: 'action' | 'probe';
}

/** Where moto claims about the compute tier are checked; notes cite test titles in it. */
export const MOTO_TEST = 'test/conformance/moto.test.ts';
/** Where moto claims about the data tier (RDS, Route 53) are checked. */
export const MOTO_DATA_TEST = 'test/conformance/moto-data-tier.test.ts';
/** Why a workload probe cannot run on moto. */
export const NO_WORKLOAD_MOTO = 'moto runs no workloads: its instances, load balancers and databases are records, there is nothing to reach.';
/** Why a workload probe cannot run on LocalStack free. */
export const NO_WORKLOAD_FREE = 'LocalStack free runs no workloads for EC2 (mock VM manager), and has no ELBv2 or RDS.';

export const yes = (note?: string): Capability => (note === undefined ? { support: 'yes' } : { support: 'yes', note });
export const partial = (note: string): Capability => ({ support: 'partial', note });
export const no = (note: string): Capability => ({ support: 'no', note });

const LOCAL_ONLY = 'No AWS call: works wherever the system under test is reachable.';

/** The row of a definition that makes no AWS call: it works wherever the system under test is reachable. */
export const NO_AWS_CALL: Capabilities = {
  services: [],
  support: { sim: yes(LOCAL_ONLY), moto: yes(LOCAL_ONLY), 'localstack-free': yes(LOCAL_ONLY), 'localstack-paid': yes(LOCAL_ONLY), aws: yes(LOCAL_ONLY) },
};
