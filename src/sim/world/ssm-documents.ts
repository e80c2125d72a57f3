import { SimApiError } from '../protocol/errors.js';
import { validSource, type Impairment } from './impairments.js';

/**
 * AWS FIS's SSM documents the region runs, with their parameters as
 * https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html lists them: which are required, their
 * defaults and their values. `InstallDependencies` (True or False) is taken by every one; the region's instances are
 * assumed to have tc, iptables and stress-ng already.
 */
export const KILL_PROCESS_DOCUMENT = 'AWSFIS-Run-Kill-Process';

/** One parameter: required or its default, and the check of its value (a sentence saying what is wrong, or undefined). */
interface ParameterSpec {
  required?: true;
  default?: string;
  check: (value: string) => string | undefined;
}

/** A document: its parameters, the plugin name its invocations show, and the impairment it puts on the instance. */
export interface SsmDocument {
  name: string;
  /** The step name GetCommandInvocation's PluginName shows (assumed: AWS does not list the documents' step names). */
  plugin: string;
  parameters: Record<string, ParameterSpec>;
  /** What it does to the instance, from its validated parameters; undefined for Kill-Process, which is one signal. */
  impairment?: (p: Record<string, string>) => Impairment;
  /** The interfaces it acts on, by name (PRIMARY_INTERFACE for DEFAULT and ALL), from its validated parameters. */
  interfaces?: (p: Record<string, string>) => string[];
  /**
   * One of the network documents the guide's Limitations say "cannot run in parallel": on an instance where one is in
   * effect, another fails.
   */
  exclusive?: true;
}

/**
 * The name of the region's instances' one network interface, the primary (assumed: Amazon Linux names it so, the
 * documents' default). DEFAULT names the primary interface, and ALL every interface, which is this one.
 */
export const PRIMARY_INTERFACE = 'eth0';

const integer =
  (min: number, max: number) =>
  (v: string): string | undefined =>
    /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `must be a whole number from ${min} to ${max}`;
const oneOf =
  (...values: string[]) =>
  (v: string): string | undefined =>
    values.includes(v) ? undefined : `must be one of ${values.join(', ')}`;
const isInterfaceName = (v: string): boolean => /^[0-9a-zA-Z\-_:.]{1,15}$/.test(v);
const interfaceName = (v: string): string | undefined => (isInterfaceName(v) ? undefined : 'must be a network interface name');
/** The -Sources documents' Interface: ALL, DEFAULT, or interface names separated by commas. */
const interfaceList = (v: string): string | undefined =>
  v === 'ALL' || v === 'DEFAULT' || v.split(',').every(isInterfaceName) ? undefined : 'must be ALL, DEFAULT or network interface names separated by commas';
const sources = (v: string): string | undefined => {
  const bad = v.split(',').find((s) => !validSource(s));
  return bad === undefined
    ? undefined
    : `names '${bad}', which is not an IPv4 address, an IPv4 CIDR block, a domain name, an AZ name, an AZ ID, ALL, DYNAMODB or S3`;
};

// The documents' figures as the FIS user guide gives them.
const DURATION: ParameterSpec = { required: true, check: integer(0, 43_200) };
const INSTALL: ParameterSpec = { default: 'True', check: oneOf('True', 'False') };
const INTERFACE: ParameterSpec = { default: PRIMARY_INTERFACE, check: interfaceName };
const INTERFACES: ParameterSpec = { default: 'DEFAULT', check: interfaceList };
const FLOWS: ParameterSpec = { default: '100', check: integer(0, 100) };
const DELAY: ParameterSpec = { default: '200', check: integer(0, 60_000) };
const JITTER: ParameterSpec = { default: '10', check: integer(0, 60_000) };
const LOSS: ParameterSpec = { default: '7', check: integer(0, 100) };
const SOURCES: ParameterSpec = { required: true, check: sources };
const TRAFFIC: ParameterSpec = { default: 'ingress', check: oneOf('ingress', 'egress') };

const num = (p: Record<string, string>, name: string): number => Number(p[name]);
const list = (v: string | undefined): string[] => (v ?? '').split(',').filter((s) => s !== '');
/** The plain documents' one Interface. */
const oneInterface = (p: Record<string, string>): string[] => [p.Interface ?? PRIMARY_INTERFACE];
/** The -Sources documents' Interface: DEFAULT is the primary interface, ALL every one (the primary alone here). */
const interfaceNames = (p: Record<string, string>): string[] =>
  p.Interface === undefined || p.Interface === 'ALL' || p.Interface === 'DEFAULT' ? [PRIMARY_INTERFACE] : list(p.Interface);

export const SSM_DOCUMENTS: readonly SsmDocument[] = [
  {
    name: KILL_PROCESS_DOCUMENT,
    plugin: 'KillProcess',
    parameters: {
      ProcessName: { required: true, check: (v) => (v === '' ? 'must not be empty' : undefined) },
      Signal: { default: 'SIGTERM', check: oneOf('SIGTERM', 'SIGKILL') },
      InstallDependencies: INSTALL,
    },
  },
  {
    name: 'AWSFIS-Run-Network-Latency',
    plugin: 'NetworkLatency',
    // No JitterMilliseconds: the guide lists it for the -Sources document only.
    parameters: { Interface: INTERFACE, DelayMilliseconds: DELAY, DurationSeconds: DURATION, InstallDependencies: INSTALL },
    impairment: (p) => ({ kind: 'network-latency', delayMs: num(p, 'DelayMilliseconds'), jitterMs: 0 }),
    interfaces: oneInterface,
    exclusive: true,
  },
  {
    name: 'AWSFIS-Run-Network-Latency-Sources',
    plugin: 'NetworkLatencySources',
    parameters: {
      Interface: INTERFACES,
      DelayMilliseconds: DELAY,
      JitterMilliseconds: JITTER,
      FlowsPercent: FLOWS,
      Sources: SOURCES,
      TrafficType: TRAFFIC,
      DurationSeconds: DURATION,
      InstallDependencies: INSTALL,
    },
    impairment: (p) => ({
      kind: 'network-latency',
      delayMs: num(p, 'DelayMilliseconds'),
      jitterMs: num(p, 'JitterMilliseconds'),
      sources: list(p.Sources),
      flowsPercent: num(p, 'FlowsPercent'),
    }),
    interfaces: interfaceNames,
    exclusive: true,
  },
  {
    name: 'AWSFIS-Run-Network-Packet-Loss',
    plugin: 'NetworkPacketLoss',
    parameters: { Interface: INTERFACE, LossPercent: LOSS, DurationSeconds: DURATION, InstallDependencies: INSTALL },
    impairment: (p) => ({ kind: 'packet-loss', percent: num(p, 'LossPercent') }),
    interfaces: oneInterface,
    exclusive: true,
  },
  {
    name: 'AWSFIS-Run-Network-Packet-Loss-Sources',
    plugin: 'NetworkPacketLossSources',
    parameters: {
      Interface: INTERFACES,
      LossPercent: LOSS,
      FlowsPercent: FLOWS,
      Sources: SOURCES,
      TrafficType: TRAFFIC,
      DurationSeconds: DURATION,
      InstallDependencies: INSTALL,
    },
    impairment: (p) => ({ kind: 'packet-loss', percent: num(p, 'LossPercent'), sources: list(p.Sources), flowsPercent: num(p, 'FlowsPercent') }),
    interfaces: interfaceNames,
    exclusive: true,
  },
  {
    name: 'AWSFIS-Run-Network-Blackhole-Port',
    plugin: 'NetworkBlackholePort',
    parameters: {
      Protocol: { required: true, check: oneOf('tcp', 'udp') },
      Port: { required: true, check: integer(0, 65_535) },
      TrafficType: TRAFFIC,
      DurationSeconds: DURATION,
      InstallDependencies: INSTALL,
    },
    impairment: (p) => ({
      kind: 'blackhole-port',
      port: num(p, 'Port'),
      protocol: p.Protocol === 'udp' ? 'udp' : 'tcp',
      traffic: p.TrafficType === 'egress' ? 'egress' : 'ingress',
    }),
    exclusive: true,
  },
  {
    name: 'AWSFIS-Run-CPU-Stress',
    plugin: 'CPUStress',
    parameters: {
      DurationSeconds: DURATION,
      CPU: { default: '0', check: integer(0, 1024) },
      LoadPercent: { default: '100', check: integer(0, 100) },
      InstallDependencies: INSTALL,
    },
    // Assumed: CPU 0 (every CPU) or as many stressors as the instance has CPUs; fewer are not told apart.
    impairment: (p) => ({ kind: 'cpu-stress', loadPercent: num(p, 'LoadPercent') }),
  },
  {
    name: 'AWSFIS-Run-Memory-Stress',
    plugin: 'MemoryStress',
    parameters: {
      DurationSeconds: DURATION,
      Percent: { required: true, check: integer(0, 100) },
      Workers: { default: '1', check: integer(1, 1024) },
      InstallDependencies: INSTALL,
    },
    impairment: (p) => ({ kind: 'memory-stress', percent: num(p, 'Percent') }),
  },
];

/** The document `name` names; InvalidDocument naming it when the region does not serve it. */
export function ssmDocument(name: string): SsmDocument {
  const document = SSM_DOCUMENTS.find((d) => d.name === name);
  if (document === undefined) {
    throw new SimApiError(
      'InvalidDocument',
      `The document '${name}' does not exist in this region (it serves ${SSM_DOCUMENTS.map((d) => d.name).join(', ')}).`,
    );
  }
  return document;
}

/**
 * The parameters as SSM resolves them: each one given has a single value the document accepts, the required ones are
 * there, the others take their defaults. Anything else is InvalidParameters naming the parameter and the document.
 */
export function resolveParameters(document: SsmDocument, given: Record<string, string[]>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, values] of Object.entries(given)) {
    const spec = document.parameters[name];
    if (spec === undefined) throw new SimApiError('InvalidParameters', `${document.name} has no parameter '${name}'.`);
    if (values.length !== 1) throw new SimApiError('InvalidParameters', `Parameter '${name}' of ${document.name} takes one value, got ${values.length}.`);
    const value = values[0] ?? '';
    const problem = spec.check(value);
    if (problem !== undefined) throw new SimApiError('InvalidParameters', `Parameter '${name}' of ${document.name} ${problem}, got '${value}'.`);
    resolved[name] = value;
  }
  for (const [name, spec] of Object.entries(document.parameters)) {
    if (name in resolved) continue;
    if (spec.required === true) throw new SimApiError('InvalidParameters', `${document.name} requires the parameter ${name}.`);
    if (spec.default !== undefined) resolved[name] = spec.default;
  }
  return resolved;
}
