import { evaluate, evaluateCondition, evaluateValue, NO_VALUE, type CfnValue, type EvaluationScope, type ResourceResolver } from './intrinsics.js';
import { autoScalingGroup, launchTemplate } from './resources/auto-scaling.js';
import { alarm } from './resources/cloudwatch.js';
import { isMap, type Resource, type TranslationContext, type Zones } from './resources/context.js';
import { loadBalancer, listener, targetGroup } from './resources/load-balancing.js';
import { database } from './resources/rds.js';
import { natGateway, natRoutes } from './resources/network.js';
import { standaloneInstance } from './resources/instances.js';
import { rolloutOf } from './resources/update-policy.js';
import { healthCheck, recordSet, recordSetGroup } from './resources/route53.js';
import { parameterValues } from './parameters.js';
import { getAttValue, hash, refValue, sim, type ReferenceContext } from './references.js';
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
  /** The template's text, which the region keeps for GetTemplate. */
  templateBody?: string;
}

/** A sim topology (before its schema fills defaults) and what of the template it does not honour. */
export interface Translation {
  topology: Record<string, unknown>;
  notes: string[];
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
  'AWS::Route53::RecordSetGroup',
  'AWS::CloudWatch::Alarm',
  'AWS::EC2::Subnet',
  'AWS::EC2::VPC',
  'AWS::EC2::NatGateway',
  'AWS::EC2::RouteTable',
  'AWS::EC2::Route',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::RDS::DBSubnetGroup',
  'AWS::EC2::Instance',
]);

/**
 * The physical id CloudFormation shows for a resource of a type the region builds, when it is not what `Ref` gives
 * (`${sim:…}` references, filled in by the region).
 */
const PHYSICAL_ID: Readonly<Record<string, (name: string) => string>> = {
  'AWS::EC2::NatGateway': (name) => sim(`nat.${name}.id`),
  'AWS::RDS::DBSubnetGroup': (name) => name.toLowerCase(),
};

const SIM_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

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
  readonly #templateBody: string | undefined;
  /** AWS::EC2::Instance resources the region builds (from a launch template), whose physical id is a real instance's. */
  readonly #builtInstances = new Set<string>();
  readonly #notes: string[] = [];
  readonly #resources = new Map<string, Resource>();
  readonly #conditions = new Map<string, boolean>();
  readonly #conditionsInProgress = new Set<string>();
  readonly #names = new Map<string, string>();
  readonly #namesInProgress = new Set<string>();
  /** Which resource a `Ref`/`Fn::GetAtt` value stands for, to follow references between resources. */
  readonly #owner = new Map<string, string>();
  readonly #scope: EvaluationScope;
  /** What reading `Ref` and `Fn::GetAtt` sees of this evaluation. */
  readonly #references: ReferenceContext;
  /** What the resource families (`resources/`) see of this evaluation. */
  readonly #ctx: TranslationContext = {
    props: (r) => this.#props(r),
    name: (id) => this.#name(id),
    ownerOf: (v) => this.#ownerOf(v),
    note: (sentence) => this.#note(sentence),
  };

  constructor(doc: Record<string, unknown>, options: TranslateOptions) {
    this.#doc = doc;
    this.#region = options.region ?? 'us-east-1';
    this.#accountId = options.accountId ?? '123456789012';
    this.#stack = options.stackName;
    this.#references = {
      region: this.#region,
      accountId: this.#accountId,
      stack: this.#stack,
      resource: (id, path) => this.#resource(id, path),
      name: (id) => this.#name(id),
      prop: (r, key) => this.#prop(r, key),
      own: (value, id) => this.#own(value, id),
      generatedName: (id, lower) => this.#generatedName(id, lower),
      subnetZone: (r) => this.#subnetZone(r),
    };
    this.#overrides = options.parameters ?? {};
    this.#templateBody = options.templateBody;
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(this.#stack)) {
      throw new TemplateError('AWS::StackName', `'${this.#stack}' is not a stack name (letters, digits and -, starting with a letter)`);
    }
    const resolver: ResourceResolver = {
      has: (id) => this.#resources.has(id),
      ref: (id, path) => refValue(this.#references, id, path),
      getAtt: (id, attribute, path) => getAttValue(this.#references, id, attribute, path),
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
    if ('Transform' in doc)
      throw new TemplateError('Transform', 'the simulated region does not expand transforms (macros such as AWS::Serverless); give it the processed template');
    if (!isMap(doc.Resources) || Object.keys(doc.Resources).length === 0)
      throw new TemplateError('Resources', 'a template needs a map of at least one resource');
    for (const [id, raw] of Object.entries(doc.Resources)) {
      const path = `Resources.${id}`;
      if (!/^[A-Za-z0-9]+$/.test(id)) throw new TemplateError(path, 'a logical id is letters and digits');
      if (!isMap(raw) || typeof raw.Type !== 'string') throw new TemplateError(`${path}.Type`, 'every resource needs a Type');
      this.#resources.set(id, { id, type: raw.Type, raw, path });
    }
    for (const r of this.#resources.values()) {
      const deps = r.raw.DependsOn === undefined ? [] : Array.isArray(r.raw.DependsOn) ? r.raw.DependsOn : [r.raw.DependsOn];
      for (const d of deps)
        if (typeof d !== 'string' || !this.#resources.has(d))
          throw new TemplateError(`${r.path}.DependsOn`, `names '${String(d)}', which is not a resource of the template`);
    }
    this.#scope.parameters = parameterValues(this.#doc, this.#overrides, (sentence) => this.#note(sentence));
    const active = [...this.#resources.values()].filter((r) => this.#isActive(r));
    const unmodelled = new Map<string, string[]>();
    for (const r of active) if (!MODELLED.has(r.type)) unmodelled.set(r.type, [...(unmodelled.get(r.type) ?? []), r.id]);
    for (const [type, ids] of unmodelled) this.#note(`${type} (${ids.join(', ')}): accepted, not modelled by the simulated region.`);
    for (const r of active) {
      if (r.raw.UpdatePolicy !== undefined && r.type !== 'AWS::AutoScaling::AutoScalingGroup')
        this.#note(`${r.path}.UpdatePolicy is not modelled: the simulated region rolls or replaces only Auto Scaling groups on UpdateStack.`);
      if (r.raw.CreationPolicy !== undefined)
        this.#note(`${r.path}.CreationPolicy is not modelled: the simulated region waits for capacity and healthy targets instead of signals.`);
    }
    const of = (type: string): Resource[] => active.filter((r) => r.type === type);

    const zones = this.#zones(of('AWS::EC2::Subnet'));
    const targetGroups = new Map(of('AWS::ElasticLoadBalancingV2::TargetGroup').map((r) => [r.id, targetGroup(this.#ctx, r)]));
    const forwards = new Map<string, { tg: string; path: string }>();
    for (const r of of('AWS::ElasticLoadBalancingV2::Listener')) listener(this.#ctx, r, forwards, targetGroups);
    const loadBalancers: Record<string, unknown>[] = [];
    const lbOfTg = new Map<string, string>();
    for (const r of of('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      const lb = loadBalancer(this.#ctx, r, zones, forwards, targetGroups);
      if (lb === undefined) continue;
      loadBalancers.push(lb.spec);
      lbOfTg.set(lb.tg, r.id);
    }
    for (const id of targetGroups.keys())
      if (!lbOfTg.has(id)) this.#note(`Resources.${id}: the target group is not forwarded to by any listener, so the simulated region does not build it.`);

    const groups = of('AWS::AutoScaling::AutoScalingGroup').map((r) => {
      const group = autoScalingGroup(this.#ctx, r, zones, lbOfTg);
      // CloudFormation tags the groups it creates, and the tags propagate to their instances
      // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html); the
      // region adds `aws:cloudformation:stack-id` once it has made the stack's id.
      group.spec.tags = { ...(group.spec.tags as Record<string, string>), 'aws:cloudformation:stack-name': this.#stack, 'aws:cloudformation:logical-id': r.id };
      const rollout = rolloutOf(this.#attribute(r, 'UpdatePolicy'), this.#attribute(r, 'CreationPolicy'), r, group.spec.max as number, (sentence) =>
        this.#note(sentence),
      );
      if (rollout !== undefined) group.spec.rollout = rollout;
      if (rollout?.kind === 'rolling' && rollout.waitOnResourceSignals)
        this.#note(
          `${r.path}.UpdatePolicy.AutoScalingRollingUpdate.WaitOnResourceSignals: the simulated region has no cfn-signal; a new instance counts as signalled once its target groups call it healthy.`,
        );
      if (rollout?.kind === 'replacing')
        this.#note(
          `${r.path}.UpdatePolicy.AutoScalingReplacingUpdate: the simulated region launches the new instances into the same group and then terminates the old ones, where AWS creates a new group and deletes the old one.`,
        );
      return group;
    });
    const launchTemplates = of('AWS::EC2::LaunchTemplate').map((r) => {
      const users = groups.filter((g) => g.launchTemplate === r.id);
      const ports = [...new Set(users.flatMap((g) => g.targetGroupIds.map((tg) => targetGroups.get(tg)?.port)).filter((p) => p !== undefined))];
      if (ports.length > 1) this.#note(`${r.path}: its groups' target groups use ports ${ports.join(', ')}; the simulated instances listen on ${ports[0]}.`);
      return launchTemplate(this.#ctx, r, ports[0]);
    });

    const hostedZones = new Map<string, { name: string; records: Record<string, unknown>[] }>();
    for (const r of of('AWS::Route53::HostedZone')) hostedZones.set(r.id, { name: this.#name(r.id), records: [] });
    const healthChecks = of('AWS::Route53::HealthCheck').map((r) => healthCheck(this.#ctx, r));
    for (const r of of('AWS::Route53::RecordSet')) recordSet(this.#ctx, r, hostedZones);
    for (const r of of('AWS::Route53::RecordSetGroup')) recordSetGroup(this.#ctx, r, hostedZones);

    const vpcs = of('AWS::EC2::VPC');
    if (vpcs.length > 1) this.#note(`Resources: the simulated region has one VPC; ${vpcs.map((v) => v.id).join(', ')} all stand for it.`);
    const cidr = vpcs[0] === undefined ? undefined : this.#prop(vpcs[0], 'CidrBlock');
    if (vpcs[0] !== undefined && typeof cidr !== 'string')
      this.#note(`${vpcs[0].path}.Properties.CidrBlock is not a literal block; the simulated VPC is 10.0.0.0/16.`);
    const topology: Record<string, unknown> = {
      region: this.#region,
      accountId: this.#accountId,
      availabilityZones: zones.list,
      ...(typeof cidr === 'string' ? { vpcCidr: cidr } : {}),
      launchTemplates,
      loadBalancers,
      autoScalingGroups: groups.map((g) => g.spec),
      databases: of('AWS::RDS::DBInstance').map((r) => database(this.#ctx, r, zones)),
      hostedZones: [...hostedZones.values()],
      healthChecks,
      alarms: of('AWS::CloudWatch::Alarm')
        .map((r) => alarm(this.#ctx, r, lbOfTg))
        .filter((a) => a !== undefined),
      instances: of('AWS::EC2::Instance').flatMap((r) => {
        const spec = standaloneInstance(this.#ctx, r, zones, of('AWS::ElasticLoadBalancingV2::TargetGroup'), new Set(lbOfTg.keys()));
        if (spec === undefined) return [];
        this.#builtInstances.add(r.id);
        return [spec];
      }),
      natGateways: of('AWS::EC2::NatGateway').map((r) => natGateway(this.#ctx, r, zones)),
      natRoutes: natRoutes(this.#ctx, of('AWS::EC2::Route'), of('AWS::EC2::SubnetRouteTableAssociation'), zones),
      stack: {
        name: this.#stack,
        outputs: { ...this.#outputs(), ...this.#whereServed(lbOfTg.values(), of) },
        notes: this.#notes,
        parameters: Object.fromEntries([...this.#scope.parameters].map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)])),
        ...(this.#templateBody === undefined ? {} : { template: this.#templateBody }),
        resources: active.map((r) => ({ logicalId: r.id, type: r.type, physicalId: this.#physicalId(r) })),
      },
    };
    if (launchTemplates.length === 0) throw new TemplateError('Resources', 'the simulated region needs at least one AWS::EC2::LaunchTemplate');
    return { topology, notes: this.#notes };
  }

  /** The physical id ListStackResources gives a resource: what `Ref` gives, or the region's real id. */
  #physicalId(r: Resource): string {
    if (this.#builtInstances.has(r.id)) return sim(`instance.${this.#name(r.id)}.id`);
    const special = PHYSICAL_ID[r.type];
    if (special !== undefined) return special(this.#name(r.id));
    const v = refValue(this.#references, r.id, r.path);
    return typeof v === 'string' ? v : r.id;
  }

  #note(sentence: string): void {
    if (!this.#notes.includes(sentence)) this.#notes.push(sentence);
  }

  // --- Conditions, resources' physical names -----------------------------------------------------------------------

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

  /** A resource attribute (UpdatePolicy, CreationPolicy), evaluated: `!If` and `!Ref` read as in its properties. */
  #attribute(r: Resource, key: string): CfnValue | undefined {
    if (r.raw[key] === undefined) return undefined;
    const v = evaluate(r.raw[key], `${r.path}.${key}`, this.#scope);
    return v === NO_VALUE ? undefined : v;
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
      if (!ok)
        throw new TemplateError(
          `${r.path}.Properties.${key}`,
          `'${given}' is not a name the simulated region accepts (${lower ? 'letters, digits and -, at most 63' : 'letters, digits and -, at most 32'})`,
        );
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
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name))
          throw new TemplateError(
            `${r.path}.Properties.AlarmName`,
            `'${name}' is not an alarm name the simulated region accepts (letters, digits, ., _ and -)`,
          );
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

  // --- Zones and outputs --------------------------------------------------------------------------------------------

  #subnetZone(r: Resource): string {
    const az = this.#prop(r, 'AvailabilityZone');
    if (az === undefined) {
      this.#note(`${r.path} names no AvailabilityZone; AWS would pick one, the simulated region uses ${this.#region}a.`);
      return `${this.#region}a`;
    }
    if (typeof az !== 'string' || !az.startsWith(this.#region))
      throw new TemplateError(`${r.path}.Properties.AvailabilityZone`, `'${String(az)}' is not a zone of ${this.#region}`);
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
          if (owner?.type !== 'AWS::EC2::Subnet')
            throw new TemplateError(`${path}[${i}]`, `'${String(v)}' is not a subnet of the template, so the simulated region cannot tell its zone`);
          return bySubnet.get(owner.id) as string;
        });
        return [...new Set(zones)];
      },
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
      if (owner !== undefined && !MODELLED.has(owner.type))
        this.#note(`${path} names ${owner.id} (${owner.type}), which the simulated region does not model; its value is a stand-in.`);
    }
    return out;
  }
}
