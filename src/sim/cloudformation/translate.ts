import { createHash } from 'node:crypto';
import { elbHostedZoneId } from '../world/elb-hosted-zone.js';
import { evaluate, evaluateCondition, evaluateValue, NO_VALUE, type CfnValue, type EvaluationScope, type ResourceResolver } from './intrinsics.js';
import { TemplateError } from './template-error.js';

/** How a template becomes a stack in the simulated region. */
export interface TranslateOptions {
  /** `AWS::StackName`. */
  stackName: string;
  /** Overrides of parameter defaults, as `aws cloudformation deploy --parameter-overrides` gives them. */
  parameters?: Record<string, string>;
  /** @defaultValue 'us-east-1' */
  region?: string;
  /** @defaultValue '123456789012' */
  accountId?: string;
}

/** A sim topology (before its schema fills defaults) and what of the template it does not honour. */
export interface Translation {
  topology: Record<string, unknown>;
  notes: string[];
}

/** The stack's zones, and the zones a list of subnet references spans. */
interface Zones {
  list: string[];
  of(value: CfnValue | undefined, path: string): string[] | undefined;
}

interface Resource {
  id: string;
  type: string;
  raw: Record<string, unknown>;
  path: string;
}

/** The resource types the simulated region builds; every other type is accepted, noted and given stand-in ids. */
const MODELLED = new Set([
  'AWS::EC2::LaunchTemplate',
  'AWS::AutoScaling::AutoScalingGroup',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::RDS::DBInstance',
  'AWS::Route53::HostedZone',
  'AWS::Route53::HealthCheck',
  'AWS::Route53::RecordSet',
  'AWS::CloudWatch::Alarm',
  'AWS::EC2::Subnet',
  'AWS::EC2::VPC',
]);

/** Id prefixes of stand-ins for EC2 networking resources, so `Ref` values look like what EC2 returns. */
const ID_PREFIX: Record<string, string> = {
  'AWS::EC2::VPC': 'vpc',
  'AWS::EC2::Subnet': 'subnet',
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::EC2::InternetGateway': 'igw',
  'AWS::EC2::RouteTable': 'rtb',
  'AWS::EC2::NatGateway': 'nat',
  'AWS::EC2::VPCEndpoint': 'vpce',
  'AWS::EC2::NetworkAcl': 'acl',
};

const SIM_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
const METRICS = new Set(['RequestCount', 'HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'HealthyHostCount', 'UnHealthyHostCount']);
const COMPARISONS = new Set(['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold']);

const sim = (key: string): string => `\${sim:${key}}`;
const hash = (text: string, n: number): string => createHash('sha256').update(text).digest('hex').slice(0, n);

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Translates a CloudFormation template into the topology the simulated region builds its world from: launch
 * templates and Auto Scaling groups, ALBs with their target group, RDS for PostgreSQL instances, Route 53 zones,
 * records and health checks, CloudWatch alarms. The template's Outputs become the stack's outputs, offered to
 * experiments as `${sim:stack.<OutputKey>}` and naming the region's real resources.
 */
export function translateTemplate(doc: Record<string, unknown>, options: TranslateOptions): Translation {
  return new Translator(doc, options).run();
}

class Translator {
  readonly #doc: Record<string, unknown>;
  readonly #region: string;
  readonly #accountId: string;
  readonly #stack: string;
  readonly #overrides: Record<string, string>;
  readonly #notes: string[] = [];
  readonly #resources = new Map<string, Resource>();
  readonly #conditions = new Map<string, boolean>();
  readonly #conditionsInProgress = new Set<string>();
  readonly #names = new Map<string, string>();
  readonly #namesInProgress = new Set<string>();
  /** Which resource a `Ref`/`Fn::GetAtt` value stands for, to follow references between resources. */
  readonly #owner = new Map<string, string>();
  readonly #scope: EvaluationScope;

  constructor(doc: Record<string, unknown>, options: TranslateOptions) {
    this.#doc = doc;
    this.#region = options.region ?? 'us-east-1';
    this.#accountId = options.accountId ?? '123456789012';
    this.#stack = options.stackName;
    this.#overrides = options.parameters ?? {};
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(this.#stack)) {
      throw new TemplateError('AWS::StackName', `'${this.#stack}' is not a stack name (letters, digits and -, starting with a letter)`);
    }
    const resolver: ResourceResolver = {
      has: (id) => this.#resources.has(id),
      ref: (id, path) => this.#ref(id, path),
      getAtt: (id, attribute, path) => this.#getAtt(id, attribute, path),
    };
    this.#scope = {
      region: this.#region,
      accountId: this.#accountId,
      stackName: this.#stack,
      parameters: new Map(),
      mappings: isMap(doc.Mappings) ? doc.Mappings : {},
      condition: (name, path) => this.#condition(name, path),
      resources: resolver,
      availabilityZones: (region) => [...(region === 'us-east-1' ? 'abcdef' : 'abc')].map((z) => `${region}${z}`),
    };
  }

  run(): Translation {
    const doc = this.#doc;
    if ('Transform' in doc) throw new TemplateError('Transform', 'the simulated region does not expand transforms (macros such as AWS::Serverless); give it the processed template');
    if (!isMap(doc.Resources) || Object.keys(doc.Resources).length === 0) throw new TemplateError('Resources', 'a template needs a map of at least one resource');
    for (const [id, raw] of Object.entries(doc.Resources)) {
      const path = `Resources.${id}`;
      if (!/^[A-Za-z0-9]+$/.test(id)) throw new TemplateError(path, 'a logical id is letters and digits');
      if (!isMap(raw) || typeof raw.Type !== 'string') throw new TemplateError(`${path}.Type`, 'every resource needs a Type');
      this.#resources.set(id, { id, type: raw.Type, raw, path });
    }
    for (const r of this.#resources.values()) {
      const deps = r.raw.DependsOn === undefined ? [] : Array.isArray(r.raw.DependsOn) ? r.raw.DependsOn : [r.raw.DependsOn];
      for (const d of deps) if (typeof d !== 'string' || !this.#resources.has(d)) throw new TemplateError(`${r.path}.DependsOn`, `names '${String(d)}', which is not a resource of the template`);
    }
    this.#scope.parameters = this.#parameters();
    const active = [...this.#resources.values()].filter((r) => this.#isActive(r));
    const unmodelled = new Map<string, string[]>();
    for (const r of active) if (!MODELLED.has(r.type)) unmodelled.set(r.type, [...(unmodelled.get(r.type) ?? []), r.id]);
    for (const [type, ids] of unmodelled) this.#note(`${type} (${ids.join(', ')}): accepted, not modelled by the simulated region.`);
    for (const r of active) {
      if (r.raw.UpdatePolicy !== undefined) this.#note(`${r.path}.UpdatePolicy is not modelled: the simulated region never updates a stack, so nothing is rolled or replaced.`);
      if (r.raw.CreationPolicy !== undefined) this.#note(`${r.path}.CreationPolicy is not modelled: the simulated region waits for capacity and healthy targets instead of signals.`);
    }
    const of = (type: string): Resource[] => active.filter((r) => r.type === type);

    const zones = this.#zones(of('AWS::EC2::Subnet'));
    const targetGroups = new Map(of('AWS::ElasticLoadBalancingV2::TargetGroup').map((r) => [r.id, this.#targetGroup(r)]));
    const forwards = new Map<string, { tg: string; path: string }>();
    for (const r of of('AWS::ElasticLoadBalancingV2::Listener')) this.#listener(r, forwards, targetGroups);
    const loadBalancers: Record<string, unknown>[] = [];
    const lbOfTg = new Map<string, string>();
    for (const r of of('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      const lb = this.#loadBalancer(r, zones, forwards, targetGroups);
      if (lb === undefined) continue;
      loadBalancers.push(lb.spec);
      lbOfTg.set(lb.tg, r.id);
    }
    for (const id of targetGroups.keys()) if (!lbOfTg.has(id)) this.#note(`Resources.${id}: the target group is not forwarded to by any listener, so the simulated region does not build it.`);

    const groups = of('AWS::AutoScaling::AutoScalingGroup').map((r) => this.#autoScalingGroup(r, zones, lbOfTg));
    const launchTemplates = of('AWS::EC2::LaunchTemplate').map((r) => {
      const users = groups.filter((g) => g.launchTemplate === r.id);
      const ports = [...new Set(users.flatMap((g) => g.targetGroupIds.map((tg) => targetGroups.get(tg)?.port)).filter((p) => p !== undefined))];
      if (ports.length > 1) this.#note(`${r.path}: its groups' target groups use ports ${ports.join(', ')}; the simulated instances listen on ${ports[0]}.`);
      return this.#launchTemplate(r, ports[0]);
    });

    const hostedZones = new Map<string, { name: string; records: Record<string, unknown>[] }>();
    for (const r of of('AWS::Route53::HostedZone')) hostedZones.set(r.id, { name: this.#name(r.id), records: [] });
    const healthChecks = of('AWS::Route53::HealthCheck').map((r) => this.#healthCheck(r));
    for (const r of of('AWS::Route53::RecordSet')) this.#recordSet(r, hostedZones);

    const vpcs = of('AWS::EC2::VPC');
    if (vpcs.length > 1) this.#note(`Resources: the simulated region has one VPC; ${vpcs.map((v) => v.id).join(', ')} all stand for it.`);
    const cidr = vpcs[0] === undefined ? undefined : this.#prop(vpcs[0], 'CidrBlock');
    if (vpcs[0] !== undefined && typeof cidr !== 'string') this.#note(`${vpcs[0].path}.Properties.CidrBlock is not a literal block; the simulated VPC is 10.0.0.0/16.`);
    const topology: Record<string, unknown> = {
      region: this.#region,
      accountId: this.#accountId,
      availabilityZones: zones.list,
      ...(typeof cidr === 'string' ? { vpcCidr: cidr } : {}),
      launchTemplates,
      loadBalancers,
      autoScalingGroups: groups.map((g) => g.spec),
      databases: of('AWS::RDS::DBInstance').map((r) => this.#database(r, zones)),
      hostedZones: [...hostedZones.values()],
      healthChecks,
      alarms: of('AWS::CloudWatch::Alarm')
        .map((r) => this.#alarm(r, lbOfTg))
        .filter((a) => a !== undefined),
      stack: { name: this.#stack, outputs: { ...this.#outputs(), ...this.#whereServed(lbOfTg.values(), of) }, notes: this.#notes },
    };
    if (launchTemplates.length === 0) throw new TemplateError('Resources', 'the simulated region needs at least one AWS::EC2::LaunchTemplate');
    return { topology, notes: this.#notes };
  }

  #note(sentence: string): void {
    if (!this.#notes.includes(sentence)) this.#notes.push(sentence);
  }

  // --- Parameters, conditions, resources' physical names ------------------------------------------------------------

  #parameters(): Map<string, CfnValue> {
    const declared = isMap(this.#doc.Parameters) ? this.#doc.Parameters : {};
    for (const key of Object.keys(this.#overrides)) {
      if (!(key in declared)) throw new TemplateError(`Parameters.${key}`, `the template has no parameter ${key} to override`);
    }
    const out = new Map<string, CfnValue>();
    for (const [key, spec] of Object.entries(declared)) {
      const path = `Parameters.${key}`;
      if (!isMap(spec) || typeof spec.Type !== 'string') throw new TemplateError(`${path}.Type`, 'every parameter needs a Type');
      const given = this.#overrides[key] ?? (spec.Default === undefined ? undefined : Array.isArray(spec.Default) ? spec.Default.join(',') : String(spec.Default));
      if (given === undefined) throw new TemplateError(path, `has no Default; give a value with --parameter ${key}=VALUE`);
      const type = spec.Type;
      const isList = type === 'CommaDelimitedList' || type.startsWith('List<');
      const values = isList ? given.split(',').map((v) => v.trim()) : [given];
      for (const v of values) this.#checkParameter(path, spec, v, type);
      out.set(key, isList ? values : given);
      if (type.startsWith('AWS::SSM::Parameter::Value<')) this.#note(`${path} is an SSM parameter type: AWS resolves '${given}' from Parameter Store; the simulated region uses the name as written.`);
    }
    return out;
  }

  #checkParameter(path: string, spec: Record<string, unknown>, value: string, type: string): void {
    const shown = `'${value}'`;
    if (type === 'Number' || type === 'List<Number>') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new TemplateError(path, `${shown} is not a number`);
      if (typeof spec.MinValue === 'number' && n < spec.MinValue) throw new TemplateError(path, `${shown} is below its MinValue ${spec.MinValue}`);
      if (typeof spec.MaxValue === 'number' && n > spec.MaxValue) throw new TemplateError(path, `${shown} is above its MaxValue ${spec.MaxValue}`);
    }
    if (Array.isArray(spec.AllowedValues) && !spec.AllowedValues.map(String).includes(value)) {
      throw new TemplateError(path, `${shown} is not one of its AllowedValues (${spec.AllowedValues.map(String).join(', ')})`);
    }
    if (typeof spec.AllowedPattern === 'string' && !new RegExp(`^(?:${spec.AllowedPattern})$`).test(value)) throw new TemplateError(path, `${shown} does not match its AllowedPattern ${spec.AllowedPattern}`);
    if (typeof spec.MinLength === 'number' && value.length < spec.MinLength) throw new TemplateError(path, `${shown} is shorter than its MinLength ${spec.MinLength}`);
    if (typeof spec.MaxLength === 'number' && value.length > spec.MaxLength) throw new TemplateError(path, `${shown} is longer than its MaxLength ${spec.MaxLength}`);
  }

  #condition(name: string, path: string): boolean {
    const known = this.#conditions.get(name);
    if (known !== undefined) return known;
    const all = isMap(this.#doc.Conditions) ? this.#doc.Conditions : {};
    if (!(name in all)) throw new TemplateError(path, `names the condition '${name}', which Conditions does not declare`);
    if (this.#conditionsInProgress.has(name)) throw new TemplateError(`Conditions.${name}`, 'depends on itself');
    this.#conditionsInProgress.add(name);
    const value = evaluateCondition(all[name], `Conditions.${name}`, this.#scope);
    this.#conditionsInProgress.delete(name);
    this.#conditions.set(name, value);
    return value;
  }

  #isActive(r: Resource): boolean {
    if (r.raw.Condition === undefined) return true;
    if (typeof r.raw.Condition !== 'string') throw new TemplateError(`${r.path}.Condition`, 'names a condition by a string');
    return this.#condition(r.raw.Condition, `${r.path}.Condition`);
  }

  #resource(id: string, path: string): Resource {
    const r = this.#resources.get(id);
    if (r === undefined) throw new TemplateError(path, `names '${id}', which is not a resource of the template`);
    if (!this.#isActive(r)) throw new TemplateError(path, `names '${id}', which is not created because its condition ${String(r.raw.Condition)} is false`);
    return r;
  }

  #props(r: Resource): Record<string, CfnValue> {
    if (r.raw.Properties === undefined) return {};
    const v = evaluateValue(r.raw.Properties, `${r.path}.Properties`, this.#scope);
    if (!isMap(v)) throw new TemplateError(`${r.path}.Properties`, 'is a map of properties');
    return v;
  }

  /** One property, evaluated on its own (so a name can be known before the rest of the resource). */
  #prop(r: Resource, key: string): CfnValue | undefined {
    const raw = isMap(r.raw.Properties) ? r.raw.Properties[key] : undefined;
    if (raw === undefined) return undefined;
    const v = evaluate(raw, `${r.path}.Properties.${key}`, this.#scope);
    return v === NO_VALUE ? undefined : v;
  }

  /**
   * The name the region knows a resource by: the template's own name property, else one generated the way
   * CloudFormation does (`<stack>-<logical id>-<suffix>`, shortened to the 32 characters the sim allows).
   */
  #name(id: string): string {
    const known = this.#names.get(id);
    if (known !== undefined) return known;
    const r = this.#resource(id, `Resources.${id}`);
    if (this.#namesInProgress.has(id)) throw new TemplateError(r.path, 'its name depends on itself');
    this.#namesInProgress.add(id);
    const explicit = (key: string): string | undefined => {
      const v = this.#prop(r, key);
      if (v !== undefined && typeof v !== 'string') throw new TemplateError(`${r.path}.Properties.${key}`, 'is a name, a string');
      return v;
    };
    const checked = (key: string, lower: boolean): string => {
      const given = explicit(key);
      if (given === undefined) return this.#generatedName(id, lower);
      const name = lower ? given.toLowerCase() : given;
      const ok = lower ? /^[a-z][a-z0-9-]{0,62}$/.test(name) : SIM_NAME.test(name);
      if (!ok) throw new TemplateError(`${r.path}.Properties.${key}`, `'${given}' is not a name the simulated region accepts (${lower ? 'letters, digits and -, at most 63' : 'letters, digits and -, at most 32'})`);
      return name;
    };
    let name: string;
    switch (r.type) {
      case 'AWS::AutoScaling::AutoScalingGroup':
        name = checked('AutoScalingGroupName', false);
        break;
      case 'AWS::EC2::LaunchTemplate':
        name = checked('LaunchTemplateName', false);
        break;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      case 'AWS::ElasticLoadBalancingV2::TargetGroup':
        name = checked('Name', false);
        break;
      case 'AWS::RDS::DBInstance':
        name = checked('DBInstanceIdentifier', true);
        break;
      case 'AWS::CloudWatch::Alarm': {
        name = explicit('AlarmName') ?? `${this.#stack}-${id}-${hash(`${this.#stack}/${id}`, 12).toUpperCase()}`;
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name)) throw new TemplateError(`${r.path}.Properties.AlarmName`, `'${name}' is not an alarm name the simulated region accepts (letters, digits, ., _ and -)`);
        break;
      }
      case 'AWS::Route53::HostedZone': {
        const given = explicit('Name');
        if (given === undefined) throw new TemplateError(`${r.path}.Properties.Name`, 'a hosted zone needs a Name');
        name = given.replace(/\.$/, '').toLowerCase();
        break;
      }
      case 'AWS::Route53::HealthCheck':
        name = id.slice(0, 32);
        break;
      default:
        name = this.#generatedName(id, false);
    }
    this.#namesInProgress.delete(id);
    this.#names.set(id, name);
    return name;
  }

  #generatedName(id: string, lower: boolean): string {
    const suffix = hash(`${this.#stack}/${id}`, 6).toUpperCase();
    const budget = 32 - suffix.length - 2;
    const stackPart = this.#stack.slice(0, Math.max(budget - id.length, Math.ceil(budget / 2))).replace(/-+$/, '');
    const idPart = id.slice(0, budget - stackPart.length);
    const name = `${stackPart}-${idPart}-${suffix}`;
    return lower ? name.toLowerCase() : name;
  }

  #own<T extends CfnValue>(value: T, id: string): T {
    if (typeof value === 'string') this.#owner.set(value, id);
    return value;
  }

  /** The resource a value refers to (through `Ref` or `Fn::GetAtt`), if it is one of the template's. */
  #ownerOf(value: CfnValue | undefined): Resource | undefined {
    if (typeof value !== 'string') return undefined;
    const id = this.#owner.get(value);
    return id === undefined ? undefined : this.#resources.get(id);
  }

  #ref(id: string, path: string): CfnValue {
    const r = this.#resource(id, path);
    switch (r.type) {
      case 'AWS::AutoScaling::AutoScalingGroup':
      case 'AWS::RDS::DBInstance':
      case 'AWS::CloudWatch::Alarm':
        return this.#own(this.#name(id), id);
      case 'AWS::EC2::LaunchTemplate':
        return this.#own(sim(`lt.${this.#name(id)}.id`), id);
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        return this.#own(sim(`alb.${this.#name(id)}.arn`), id);
      case 'AWS::ElasticLoadBalancingV2::TargetGroup':
        return this.#own(sim(`tg.${this.#name(id)}.arn`), id);
      case 'AWS::Route53::HostedZone':
        return this.#own(sim(`route53.zone.${this.#name(id)}.id`), id);
      case 'AWS::Route53::HealthCheck':
        return this.#own(sim(`route53.healthcheck.${this.#name(id)}.id`), id);
      case 'AWS::Route53::RecordSet': {
        const name = this.#prop(r, 'Name');
        return typeof name === 'string' ? name : id;
      }
      case 'AWS::EC2::VPC':
        return this.#own(sim('vpc.id'), id);
      default: {
        const prefix = ID_PREFIX[r.type];
        return this.#own(prefix === undefined ? this.#generatedName(id, false) : `${prefix}-${hash(`${this.#stack}/${id}`, 17)}`, id);
      }
    }
  }

  #getAtt(id: string, attribute: string, path: string): CfnValue {
    const r = this.#resource(id, path);
    const name = (): string => this.#name(id);
    const unknown = (): never => {
      throw new TemplateError(path, `Fn::GetAtt asks ${id} (${r.type}) for '${attribute}', an attribute the simulated region does not know`);
    };
    switch (r.type) {
      case 'AWS::EC2::LaunchTemplate':
        if (attribute === 'LaunchTemplateId') return this.#own(sim(`lt.${name()}.id`), id);
        if (attribute === 'LatestVersionNumber' || attribute === 'DefaultVersionNumber') return '1';
        return unknown();
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        if (attribute === 'DNSName') return this.#own(sim(`alb.${name()}.dnsName`), id);
        if (attribute === 'LoadBalancerFullName') return this.#own(sim(`alb.${name()}.fullName`), id);
        if (attribute === 'LoadBalancerArn') return this.#own(sim(`alb.${name()}.arn`), id);
        if (attribute === 'LoadBalancerName') return name();
        if (attribute === 'CanonicalHostedZoneID') return elbHostedZoneId(this.#region);
        if (attribute === 'SecurityGroups') return [];
        return unknown();
      case 'AWS::ElasticLoadBalancingV2::TargetGroup':
        if (attribute === 'TargetGroupArn') return this.#own(sim(`tg.${name()}.arn`), id);
        if (attribute === 'TargetGroupFullName') return this.#own(sim(`tg.${name()}.fullName`), id);
        if (attribute === 'TargetGroupName') return name();
        return unknown();
      case 'AWS::AutoScaling::AutoScalingGroup':
        return unknown();
      case 'AWS::RDS::DBInstance':
        if (attribute === 'Endpoint.Address') return this.#own(sim(`rds.${name()}.endpoint`), id);
        if (attribute === 'Endpoint.Port') return sim(`rds.${name()}.port`);
        if (attribute === 'DBInstanceArn') return this.#own(`arn:aws:rds:${this.#region}:${this.#accountId}:db:${name()}`, id);
        return unknown();
      case 'AWS::Route53::HostedZone':
        if (attribute === 'Id') return this.#own(sim(`route53.zone.${name()}.id`), id);
        if (attribute === 'NameServers') return ['ns-1.awsdns-00.com', 'ns-2.awsdns-00.net', 'ns-3.awsdns-00.org', 'ns-4.awsdns-00.co.uk'];
        return unknown();
      case 'AWS::Route53::HealthCheck':
        if (attribute === 'HealthCheckId') return this.#own(sim(`route53.healthcheck.${name()}.id`), id);
        return unknown();
      case 'AWS::CloudWatch::Alarm':
        if (attribute === 'Arn') return `arn:aws:cloudwatch:${this.#region}:${this.#accountId}:alarm:${name()}`;
        return unknown();
      case 'AWS::EC2::Subnet':
        if (attribute === 'AvailabilityZone') return this.#subnetZone(r);
        if (attribute === 'SubnetId') return this.#ref(id, path);
        return `${id}.${attribute}`;
      default:
        // Not modelled: a stand-in value, so the template evaluates; the note on the resource says it is not real.
        return `${id}.${attribute}`;
    }
  }

  // --- Resources ----------------------------------------------------------------------------------------------------

  #subnetZone(r: Resource): string {
    const az = this.#prop(r, 'AvailabilityZone');
    if (az === undefined) {
      this.#note(`${r.path} names no AvailabilityZone; AWS would pick one, the simulated region uses ${this.#region}a.`);
      return `${this.#region}a`;
    }
    if (typeof az !== 'string' || !az.startsWith(this.#region)) throw new TemplateError(`${r.path}.Properties.AvailabilityZone`, `'${String(az)}' is not a zone of ${this.#region}`);
    return az;
  }

  #zones(subnets: Resource[]): Zones {
    const bySubnet = new Map(subnets.map((s) => [s.id, this.#subnetZone(s)]));
    const list = [...new Set(bySubnet.values())];
    return {
      list: list.length > 0 ? list : ['a', 'b', 'c'],
      of: (value, path) => {
        if (value === undefined) return undefined;
        if (!Array.isArray(value)) throw new TemplateError(path, 'is a list of subnets');
        const zones = value.map((v, i) => {
          const owner = this.#ownerOf(v);
          if (owner?.type !== 'AWS::EC2::Subnet') throw new TemplateError(`${path}[${i}]`, `'${String(v)}' is not a subnet of the template, so the simulated region cannot tell its zone`);
          return bySubnet.get(owner.id) as string;
        });
        return [...new Set(zones)];
      },
    };
  }

  #number(v: CfnValue | undefined, path: string, fallback?: number): number {
    if (v === undefined && fallback !== undefined) return fallback;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw new TemplateError(path, `is ${v === undefined ? 'missing' : `'${String(v)}'`} where a number is required`);
    return n;
  }

  #bool(v: CfnValue | undefined, path: string, fallback: boolean): boolean {
    if (v === undefined) return fallback;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new TemplateError(path, `is '${String(v)}' where true or false is required`);
  }

  #tags(v: CfnValue | undefined, path: string): Record<string, string> {
    if (v === undefined) return {};
    if (!Array.isArray(v)) throw new TemplateError(path, 'is a list of { Key, Value }');
    const out: Record<string, string> = {};
    v.forEach((t, i) => {
      if (!isMap(t) || typeof t.Key !== 'string' || (typeof t.Value !== 'string' && typeof t.Value !== 'number')) throw new TemplateError(`${path}[${i}]`, 'a tag is { Key, Value }');
      out[t.Key] = String(t.Value);
    });
    return out;
  }

  #targetGroup(r: Resource): { name: string; port: number | undefined; crossZone: boolean; spec: Record<string, unknown> } {
    const p = this.#props(r);
    const at = (k: string): string => `${r.path}.Properties.${k}`;
    if (p.TargetType !== undefined && p.TargetType !== 'instance') this.#note(`${at('TargetType')} is ${String(p.TargetType)}; the simulated region registers instances.`);
    if (p.HealthCheckEnabled === false || p.HealthCheckEnabled === 'false') this.#note(`${at('HealthCheckEnabled')} is false; the simulated target group checks its targets anyway.`);
    if (p.Protocol === 'HTTPS' || p.HealthCheckProtocol === 'HTTPS') this.#note(`${r.path}: HTTPS is served and checked as HTTP by the simulated region.`);
    if (p.HealthCheckPort !== undefined && p.HealthCheckPort !== 'traffic-port') this.#note(`${at('HealthCheckPort')}: the simulated target group checks the traffic port.`);
    const matcher = isMap(p.Matcher) ? p.Matcher.HttpCode : undefined;
    if (isMap(p.Matcher) && p.Matcher.GrpcCode !== undefined) this.#note(`${at('Matcher')}.GrpcCode is not modelled; the simulated target group matches HTTP codes.`);
    let deregistrationDelay: string | undefined;
    // ALBs balance across zones; a target group may turn it off for itself.
    let crossZone = true;
    if (Array.isArray(p.TargetGroupAttributes)) {
      for (const a of p.TargetGroupAttributes) {
        if (isMap(a) && a.Key === 'deregistration_delay.timeout_seconds') deregistrationDelay = `${this.#number(a.Value ?? undefined, at('TargetGroupAttributes'))}s`;
        else if (isMap(a) && a.Key === 'load_balancing.cross_zone.enabled') crossZone = a.Value !== 'false' && a.Value !== false;
        else if (isMap(a)) this.#note(`${at('TargetGroupAttributes')}: ${String(a.Key)} is not modelled.`);
      }
    }
    const healthCheck: Record<string, unknown> = {
      path: typeof p.HealthCheckPath === 'string' ? p.HealthCheckPath : '/',
      interval: `${this.#number(p.HealthCheckIntervalSeconds, at('HealthCheckIntervalSeconds'), 30)}s`,
      timeout: `${this.#number(p.HealthCheckTimeoutSeconds, at('HealthCheckTimeoutSeconds'), 5)}s`,
      healthyThreshold: this.#number(p.HealthyThresholdCount, at('HealthyThresholdCount'), 5),
      unhealthyThreshold: this.#number(p.UnhealthyThresholdCount, at('UnhealthyThresholdCount'), 2),
      matcher: typeof matcher === 'string' ? matcher : '200',
    };
    const name = this.#name(r.id);
    return {
      name,
      port: p.Port === undefined ? undefined : this.#number(p.Port, at('Port')),
      crossZone,
      spec: { name, healthCheck, ...(deregistrationDelay === undefined ? {} : { deregistrationDelay }) },
    };
  }

  #listener(r: Resource, forwards: Map<string, { tg: string; path: string }>, targetGroups: Map<string, unknown>): void {
    const p = this.#props(r);
    const lb = this.#ownerOf(p.LoadBalancerArn);
    if (lb?.type !== 'AWS::ElasticLoadBalancingV2::LoadBalancer') throw new TemplateError(`${r.path}.Properties.LoadBalancerArn`, 'does not name a load balancer of the template');
    const actions = Array.isArray(p.DefaultActions) ? p.DefaultActions : [];
    const forward = actions.find((a) => isMap(a) && a.Type === 'forward');
    if (!isMap(forward)) {
      this.#note(`${r.path} forwards to no target group; the simulated region only models forwarding listeners.`);
      return;
    }
    const config = isMap(forward.ForwardConfig) && Array.isArray(forward.ForwardConfig.TargetGroups) ? forward.ForwardConfig.TargetGroups : [];
    const arn = forward.TargetGroupArn ?? (isMap(config[0]) ? config[0].TargetGroupArn : undefined);
    const tg = this.#ownerOf(arn);
    if (tg === undefined || !targetGroups.has(tg.id)) throw new TemplateError(`${r.path}.Properties.DefaultActions`, 'forwards to no target group of the template');
    if (config.length > 1) this.#note(`${r.path}: the simulated load balancer forwards to one target group, ${tg.id}.`);
    const port = p.Port === undefined ? 80 : this.#number(p.Port, `${r.path}.Properties.Port`);
    this.#note(`${r.path}: port ${port} is served on a free loopback port of the simulated region (\${sim:alb.${this.#name(lb.id)}.url}).`);
    const existing = forwards.get(lb.id);
    if (existing !== undefined && existing.tg !== tg.id) {
      this.#note(`${r.path}: the simulated load balancer ${lb.id} forwards to one target group, ${existing.tg}; this listener's ${tg.id} is not served.`);
      return;
    }
    forwards.set(lb.id, { tg: tg.id, path: r.path });
  }

  #loadBalancer(
    r: Resource,
    zones: Zones,
    forwards: Map<string, { tg: string }>,
    targetGroups: Map<string, { crossZone: boolean; spec: Record<string, unknown> }>,
  ): { spec: Record<string, unknown>; tg: string } | undefined {
    const p = this.#props(r);
    if (p.Type !== undefined && p.Type !== 'application') {
      this.#note(`${r.path} is a ${String(p.Type)} load balancer; the simulated region models Application Load Balancers only, so it is not built.`);
      return undefined;
    }
    const forward = forwards.get(r.id);
    if (forward === undefined) throw new TemplateError(r.path, 'the simulated region needs every load balancer to forward to a target group through a listener (AWS::ElasticLoadBalancingV2::Listener)');
    const used = zones.of(p.Subnets ?? undefined, `${r.path}.Properties.Subnets`);
    if (used !== undefined && used.length !== zones.list.length) this.#note(`${r.path}.Properties.Subnets: the simulated load balancer serves from every zone of the stack (${zones.list.join(', ')}).`);
    if (p.SubnetMappings !== undefined) this.#note(`${r.path}.Properties.SubnetMappings: the simulated load balancer serves from every zone of the stack.`);
    if (Array.isArray(p.LoadBalancerAttributes)) {
      for (const a of p.LoadBalancerAttributes) {
        if (!isMap(a)) continue;
        if (a.Key === 'load_balancing.cross_zone.enabled') this.#note(`${r.path}.Properties.LoadBalancerAttributes: an Application Load Balancer always balances across zones and this cannot be changed; a target group can turn it off (TargetGroupAttributes).`);
        else this.#note(`${r.path}.Properties.LoadBalancerAttributes: ${String(a.Key)} is not modelled.`);
      }
    }
    const tg = targetGroups.get(forward.tg);
    return { spec: { name: this.#name(r.id), crossZone: tg?.crossZone ?? true, targetGroup: tg?.spec }, tg: forward.tg };
  }

  #autoScalingGroup(r: Resource, zones: Zones, lbOfTg: Map<string, string>): { spec: Record<string, unknown>; launchTemplate: string; targetGroupIds: string[] } {
    const p = this.#props(r);
    const at = (k: string): string => `${r.path}.Properties.${k}`;
    if (p.LaunchConfigurationName !== undefined) throw new TemplateError(at('LaunchConfigurationName'), 'launch configurations are not modelled; the simulated region launches from launch templates (AWS::EC2::LaunchTemplate)');
    let spec = p.LaunchTemplate;
    let specPath = at('LaunchTemplate');
    if (spec === undefined && isMap(p.MixedInstancesPolicy) && isMap(p.MixedInstancesPolicy.LaunchTemplate)) {
      spec = p.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification;
      specPath = at('MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification');
      this.#note(`${at('MixedInstancesPolicy')}: the simulated group launches one instance type, its launch template's.`);
    }
    const lt = isMap(spec) ? this.#ownerOf(spec.LaunchTemplateId ?? spec.LaunchTemplateName) : undefined;
    if (lt?.type !== 'AWS::EC2::LaunchTemplate') throw new TemplateError(specPath, 'does not name a launch template of the template (LaunchTemplateId: !Ref …)');
    const min = this.#number(p.MinSize, at('MinSize'));
    const max = this.#number(p.MaxSize, at('MaxSize'));
    const desired = this.#number(p.DesiredCapacity, at('DesiredCapacity'), min);
    const groupZones = zones.of(p.VPCZoneIdentifier ?? undefined, at('VPCZoneIdentifier')) ?? (Array.isArray(p.AvailabilityZones) ? p.AvailabilityZones.map(String) : undefined);
    const targetGroupIds: string[] = [];
    (Array.isArray(p.TargetGroupARNs) ? p.TargetGroupARNs : []).forEach((arn, i) => {
      const tg = this.#ownerOf(arn);
      if (tg?.type !== 'AWS::ElasticLoadBalancingV2::TargetGroup') throw new TemplateError(`${at('TargetGroupARNs')}[${i}]`, 'is not a target group of the template');
      if (lbOfTg.has(tg.id)) targetGroupIds.push(tg.id);
    });
    if (p.LoadBalancerNames !== undefined) this.#note(`${at('LoadBalancerNames')}: Classic Load Balancers are not modelled.`);
    const type = p.HealthCheckType ?? 'EC2';
    if (type !== 'EC2' && type !== 'ELB') this.#note(`${at('HealthCheckType')} is ${String(type)}; the simulated group uses EC2 health checks.`);
    const tags: Record<string, string> = {};
    (Array.isArray(p.Tags) ? p.Tags : []).forEach((t, i) => {
      if (!isMap(t) || typeof t.Key !== 'string' || t.Value === undefined) throw new TemplateError(`${at('Tags')}[${i}]`, 'a tag is { Key, Value, PropagateAtLaunch }');
      tags[t.Key] = String(t.Value);
      if (t.PropagateAtLaunch !== true && t.PropagateAtLaunch !== 'true') this.#note(`${at('Tags')}[${i}] (${t.Key}) is not propagated at launch in AWS; the simulated group puts it on its instances too.`);
    });
    return {
      spec: {
        name: this.#name(r.id),
        launchTemplate: this.#name(lt.id),
        min,
        max,
        desired,
        ...(groupZones === undefined ? {} : { availabilityZones: groupZones }),
        healthCheckType: type === 'ELB' ? 'ELB' : 'EC2',
        healthCheckGracePeriod: `${this.#number(p.HealthCheckGracePeriod, at('HealthCheckGracePeriod'), 0)}s`,
        targetGroups: targetGroupIds.map((id) => this.#name(id)),
        tags,
      },
      launchTemplate: lt.id,
      targetGroupIds,
    };
  }

  #launchTemplate(r: Resource, port: number | undefined): Record<string, unknown> {
    const p = this.#props(r);
    const data = isMap(p.LaunchTemplateData) ? p.LaunchTemplateData : {};
    const at = `${r.path}.Properties.LaunchTemplateData`;
    const out: Record<string, unknown> = { name: this.#name(r.id), port: port ?? 8080 };
    if (typeof data.InstanceType === 'string') out.instanceType = data.InstanceType;
    else this.#note(`${at}.InstanceType is not set; the simulated instances are t3.micro.`);
    if (typeof data.ImageId === 'string' && /^ami-[0-9a-z]{8,17}$/.test(data.ImageId)) out.imageId = data.ImageId;
    else this.#note(`${at}.ImageId '${String(data.ImageId)}' is not an AMI id; the simulated instances use the sim's image.`);
    if (data.UserData !== undefined) this.#note(`${at}.UserData is not run; each simulated instance serves the sim's workload on port ${port ?? 8080}.`);
    return out;
  }

  #database(r: Resource, zones: Zones): Record<string, unknown> {
    const p = this.#props(r);
    const at = (k: string): string => `${r.path}.Properties.${k}`;
    const engine = typeof p.Engine === 'string' ? p.Engine : 'postgres';
    if (engine !== 'postgres') this.#note(`${at('Engine')} is ${engine}; the simulated database speaks PostgreSQL.`);
    if (p.DBClusterIdentifier !== undefined) this.#note(`${at('DBClusterIdentifier')}: cluster membership is not modelled; the instance stands alone.`);
    if (p.ReadReplicaSourceDBInstanceIdentifier !== undefined || p.SourceDBInstanceIdentifier !== undefined) this.#note(`${r.path}: read replicas are not modelled; the instance stands alone.`);
    const multiAZ = this.#bool(p.MultiAZ ?? undefined, at('MultiAZ'), false);
    const az = typeof p.AvailabilityZone === 'string' ? p.AvailabilityZone : zones.list[0];
    return {
      id: this.#name(r.id),
      ...(typeof p.DBInstanceClass === 'string' ? { instanceClass: p.DBInstanceClass } : {}),
      multiAZ,
      ...(az === undefined ? {} : { availabilityZone: az }),
      port: this.#number(p.Port ?? undefined, at('Port'), 5432),
      tags: this.#tags(p.Tags ?? undefined, at('Tags')),
    };
  }

  #healthCheck(r: Resource): Record<string, unknown> {
    const p = this.#props(r);
    const at = `${r.path}.Properties.HealthCheckConfig`;
    const c = p.HealthCheckConfig;
    if (!isMap(c)) throw new TemplateError(at, 'a health check needs a HealthCheckConfig');
    let type = typeof c.Type === 'string' ? c.Type : '';
    if (type === 'HTTP_STR_MATCH' || type === 'HTTPS_STR_MATCH') {
      this.#note(`${at}.Type ${type}: the simulated check does not match SearchString, only the status.`);
      type = type.slice(0, -'_STR_MATCH'.length);
    }
    if (type !== 'HTTP' && type !== 'HTTPS' && type !== 'TCP') throw new TemplateError(`${at}.Type`, `'${type}' health checks are not modelled; the simulated region probes HTTP, HTTPS and TCP endpoints`);
    const port = this.#number(c.Port ?? undefined, `${at}.Port`, type === 'HTTPS' ? 443 : 80);
    const fqdn = c.FullyQualifiedDomainName;
    let target: string;
    let disabled = this.#bool(c.Disabled ?? undefined, `${at}.Disabled`, false);
    const lb = this.#ownerOf(fqdn);
    if (typeof c.IPAddress === 'string') {
      target = `${c.IPAddress}:${port}`;
    } else if (lb?.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') {
      target = `alb:${this.#name(lb.id)}`;
    } else if (typeof fqdn === 'string' && /^([A-Za-z0-9-]+\.)+[A-Za-z]{2,}\.?$/.test(fqdn)) {
      target = `${fqdn}:${port}`;
      if (!disabled) this.#note(`${r.path} probes ${fqdn}, outside this stack; the simulated region creates the check disabled (Route 53 counts a disabled check healthy).`);
      disabled = true;
    } else {
      throw new TemplateError(at, 'a health check needs an IPAddress or a FullyQualifiedDomainName');
    }
    const interval = this.#number(c.RequestInterval ?? undefined, `${at}.RequestInterval`, 30);
    if (interval !== 10 && interval !== 30) throw new TemplateError(`${at}.RequestInterval`, `is ${interval}; Route 53 checks every 10 or 30 seconds`);
    return {
      name: this.#name(r.id),
      type,
      target,
      ...(type === 'TCP' ? {} : { resourcePath: typeof c.ResourcePath === 'string' ? c.ResourcePath : '/' }),
      requestInterval: interval,
      failureThreshold: this.#number(c.FailureThreshold ?? undefined, `${at}.FailureThreshold`, 3),
      inverted: this.#bool(c.Inverted ?? undefined, `${at}.Inverted`, false),
      disabled,
      tags: this.#tags(p.HealthCheckTags ?? undefined, `${r.path}.Properties.HealthCheckTags`),
    };
  }

  #recordSet(r: Resource, zones: Map<string, { name: string; records: Record<string, unknown>[] }>): void {
    const p = this.#props(r);
    const at = (k: string): string => `${r.path}.Properties.${k}`;
    for (const k of ['GeoLocation', 'Region', 'MultiValueAnswer', 'CidrRoutingConfig', 'GeoProximityLocation']) {
      if (p[k] !== undefined) {
        this.#note(`${at(k)}: this routing policy is not modelled, so the simulated region does not create the record.`);
        return;
      }
    }
    if (typeof p.Name !== 'string') throw new TemplateError(at('Name'), 'a record needs a Name');
    const recordName = p.Name.replace(/\.$/, '').toLowerCase();
    let zone: { name: string; records: Record<string, unknown>[] } | undefined;
    const owner = this.#ownerOf(p.HostedZoneId);
    if (owner?.type === 'AWS::Route53::HostedZone') zone = zones.get(owner.id);
    else if (typeof p.HostedZoneName === 'string') zone = [...zones.values()].find((z) => z.name === (p.HostedZoneName as string).replace(/\.$/, '').toLowerCase());
    if (zone === undefined) {
      // A zone that exists outside the stack: the region needs one to answer the record from.
      const name = typeof p.HostedZoneName === 'string' ? p.HostedZoneName.replace(/\.$/, '').toLowerCase() : recordName.slice(recordName.indexOf('.') + 1);
      if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(name)) throw new TemplateError(at('HostedZoneId'), `names a zone outside the stack, and '${name}' is no domain the simulated region can create it as`);
      const key = `external:${name}`;
      zone = zones.get(key) ?? { name, records: [] };
      zones.set(key, zone);
      this.#note(`${at('HostedZoneId')} names the existing zone ${String(p.HostedZoneId ?? p.HostedZoneName)}; the simulated region creates a zone ${name} to hold the record.`);
    }
    if (recordName !== zone.name && !recordName.endsWith(`.${zone.name}`)) throw new TemplateError(at('Name'), `'${recordName}' is not in the zone ${zone.name}`);
    const type = typeof p.Type === 'string' ? p.Type : '';
    if (!['A', 'AAAA', 'CNAME', 'TXT'].includes(type)) {
      this.#note(`${at('Type')}: ${type} records are not modelled, so the simulated region does not create the record.`);
      return;
    }
    const record: Record<string, unknown> = { name: `${recordName}.`, type };
    if (isMap(p.AliasTarget)) {
      const target = this.#ownerOf(p.AliasTarget.DNSName);
      if (target?.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') record.alias = `alb:${this.#name(target.id)}`;
      else if (typeof p.AliasTarget.DNSName === 'string' && /^([A-Za-z0-9-]+\.)+[A-Za-z]{2,}\.?$/.test(p.AliasTarget.DNSName)) {
        record.alias = `dns:${p.AliasTarget.DNSName}`;
        if (typeof p.AliasTarget.HostedZoneId === 'string' && /^Z[A-Z0-9]{1,31}$/.test(p.AliasTarget.HostedZoneId)) record.aliasHostedZoneId = p.AliasTarget.HostedZoneId;
        this.#note(`${at('AliasTarget')} points at ${p.AliasTarget.DNSName}, outside this stack; the simulated region answers the record with no address.`);
      } else throw new TemplateError(`${at('AliasTarget')}.DNSName`, 'an alias target needs a DNS name');
      record.evaluateTargetHealth = this.#bool(p.AliasTarget.EvaluateTargetHealth ?? undefined, `${at('AliasTarget')}.EvaluateTargetHealth`, false);
    } else {
      if (!Array.isArray(p.ResourceRecords) || p.ResourceRecords.length === 0) throw new TemplateError(at('ResourceRecords'), 'a record needs ResourceRecords or an AliasTarget');
      record.values = p.ResourceRecords.map(String);
      record.ttl = this.#number(p.TTL ?? undefined, at('TTL'));
    }
    if (typeof p.SetIdentifier === 'string') record.setIdentifier = p.SetIdentifier;
    if (p.Failover === 'PRIMARY' || p.Failover === 'SECONDARY') record.failover = p.Failover;
    else if (p.Failover !== undefined) throw new TemplateError(at('Failover'), 'is PRIMARY or SECONDARY');
    if (p.Weight !== undefined) record.weight = this.#number(p.Weight, at('Weight'));
    if (p.HealthCheckId !== undefined) {
      const hc = this.#ownerOf(p.HealthCheckId);
      if (hc?.type !== 'AWS::Route53::HealthCheck') this.#note(`${at('HealthCheckId')} names a health check outside this stack; the simulated record has none.`);
      else record.healthCheck = this.#name(hc.id);
    }
    zone.records.push(record);
  }

  #alarm(r: Resource, lbOfTg: Map<string, string>): Record<string, unknown> | undefined {
    const p = this.#props(r);
    const at = (k: string): string => `${r.path}.Properties.${k}`;
    const skip = (why: string): undefined => {
      this.#note(`${r.path}: ${why}, so the simulated region does not create the alarm.`);
      return undefined;
    };
    if (p.Metrics !== undefined) return skip('metric math alarms are not modelled');
    if (p.Namespace !== 'AWS/ApplicationELB') return skip(`the simulated region publishes AWS/ApplicationELB metrics only, not ${String(p.Namespace)}`);
    if (typeof p.MetricName !== 'string' || !METRICS.has(p.MetricName)) return skip(`the simulated load balancer does not publish ${String(p.MetricName)}`);
    let lb: string | undefined;
    for (const [i, d] of (Array.isArray(p.Dimensions) ? p.Dimensions : []).entries()) {
      if (!isMap(d)) continue;
      const owner = this.#ownerOf(d.Value ?? undefined);
      if (d.Name === 'LoadBalancer' && owner?.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') lb = owner.id;
      else if (d.Name === 'TargetGroup' && owner?.type === 'AWS::ElasticLoadBalancingV2::TargetGroup') lb ??= lbOfTg.get(owner.id);
      else if (d.Name === 'LoadBalancer' || d.Name === 'TargetGroup') throw new TemplateError(`${at('Dimensions')}[${i}]`, `names no ${String(d.Name)} of the template`);
    }
    if (lb === undefined) return skip('it watches no load balancer of the template');
    if (p.ExtendedStatistic !== undefined) this.#note(`${at('ExtendedStatistic')}: percentiles are not modelled; the simulated alarm uses the metric's default statistic.`);
    if (p.DatapointsToAlarm !== undefined) this.#note(`${at('DatapointsToAlarm')}: the simulated alarm needs all EvaluationPeriods datapoints to breach.`);
    if (p.TreatMissingData !== undefined) this.#note(`${at('TreatMissingData')}: the simulated load balancer publishes every period, so missing data never arises.`);
    const comparison = p.ComparisonOperator;
    if (typeof comparison !== 'string' || !COMPARISONS.has(comparison)) throw new TemplateError(at('ComparisonOperator'), `'${String(comparison)}' is not modelled (anomaly detection alarms are not)`);
    return {
      name: this.#name(r.id),
      loadBalancer: this.#name(lb),
      metric: p.MetricName,
      ...(typeof p.Statistic === 'string' ? { statistic: p.Statistic } : {}),
      period: `${this.#number(p.Period, at('Period'))}s`,
      evaluationPeriods: this.#number(p.EvaluationPeriods, at('EvaluationPeriods')),
      threshold: this.#number(p.Threshold, at('Threshold')),
      comparison,
    };
  }

  /**
   * `<LogicalId>.url` of each load balancer and database: where the simulated region serves it (its listener is on a
   * free loopback port), which no CloudFormation output can say.
   */
  #whereServed(built: Iterable<string>, of: (type: string) => Resource[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const lb of built) out[`${lb}.url`] = sim(`alb.${this.#name(lb)}.url`);
    for (const r of of('AWS::RDS::DBInstance')) out[`${r.id}.url`] = sim(`rds.${this.#name(r.id)}.url`);
    return out;
  }

  #outputs(): Record<string, string> {
    const declared = isMap(this.#doc.Outputs) ? this.#doc.Outputs : {};
    const scope: EvaluationScope = { ...this.#scope, escapeLiterals: true };
    const out: Record<string, string> = {};
    for (const [key, spec] of Object.entries(declared)) {
      const path = `Outputs.${key}`;
      if (!isMap(spec) || !('Value' in spec)) throw new TemplateError(path, 'an output needs a Value');
      if (spec.Condition !== undefined && !this.#condition(String(spec.Condition), `${path}.Condition`)) continue;
      const v = evaluateValue(spec.Value, `${path}.Value`, scope);
      if (Array.isArray(v) || isMap(v) || v === null) throw new TemplateError(`${path}.Value`, 'an output value is a string (join lists with Fn::Join)');
      out[key] = String(v);
      const owner = this.#ownerOf(typeof v === 'string' ? v : undefined);
      if (owner !== undefined && !MODELLED.has(owner.type)) this.#note(`${path} names ${owner.id} (${owner.type}), which the simulated region does not model; its value is a stand-in.`);
    }
    return out;
  }
}
