import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { ec2QueryService, type Ec2Result } from '../protocol/ec2-query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { STATE_CODE, type SimInstance } from '../world/instance.js';
import { glob, tagSet } from './ec2-glob.js';
import { ec2NetworkApi, zoneId } from './ec2-network.js';
import { launchTemplateApi } from './ec2-launch-templates.js';
import { zonesApi } from './ec2-zones.js';
import { networkAclsOf, type NaclEntry, type SimNetworkAcl } from '../world/network-acls.js';

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

function instanceXml(i: SimInstance): XmlValue {
  return {
    instanceId: i.id,
    imageId: i.spec.imageId,
    instanceState: { code: STATE_CODE[i.state], name: i.state },
    privateDnsName: `ip-${i.spec.privateIp.replaceAll('.', '-')}.ec2.internal`,
    reason: i.stateTransitionReason,
    amiLaunchIndex: 0,
    instanceType: i.spec.instanceType,
    launchTime: i.launchTime.toISOString(),
    placement: { availabilityZone: i.spec.availabilityZone, tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: i.state === 'terminated' ? undefined : i.spec.subnetId,
    vpcId: i.state === 'terminated' ? undefined : i.spec.vpcId,
    privateIpAddress: i.state === 'terminated' ? undefined : i.spec.privateIp,
    stateReason: i.stateReason,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    tagSet: tagSet(i.spec.tags),
    instanceLifecycle: i.spec.lifecycle,
  };
}

type CheckStatus = 'ok' | 'impaired' | 'initializing' | 'not-applicable';

/** One status check's summary: its status and the reachability detail EC2 gives with it. */
function checkSummary(status: CheckStatus): XmlValue {
  const detail = { ok: 'passed', impaired: 'failed', initializing: 'initializing' } as const;
  return { status, details: status === 'not-applicable' ? [] : [{ name: 'reachability', status: detail[status] }] };
}

/**
 * An instance's status checks. Only a running instance is checked (`not-applicable` otherwise). While its operating
 * system boots (the instance boot model: after a launch, start or reboot) both checks are `initializing`; then they
 * pass. The system check fails while the instance's zone has lost connectivity ("Loss of network connectivity" is a
 * system status check problem); the instance check fails while the instance's own network does not answer (its
 * workload set to `blackhole` through the control API, not a subnet's ACL), as a misconfigured network would
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html). That checks are
 * `initializing` exactly until the boot ends, not a few minutes longer, is an assumption.
 */
function statusChecks(world: SimWorld, i: SimInstance): { system: CheckStatus; instance: CheckStatus } {
  if (i.state !== 'running') return { system: 'not-applicable', instance: 'not-applicable' };
  const zoneDark = world.az.zones.list().some((z) => z.zone === i.spec.availabilityZone && !z.connectivity);
  const booting = i.booting;
  return {
    system: zoneDark ? 'impaired' : booting ? 'initializing' : 'ok',
    instance: booting ? 'initializing' : !i.workload.reachable && !i.isolated ? 'impaired' : 'ok',
  };
}

function instanceStatusXml(world: SimWorld, i: SimInstance): XmlValue {
  const checks = statusChecks(world, i);
  return {
    instanceId: i.id,
    availabilityZone: i.spec.availabilityZone,
    availabilityZoneId: zoneId(world, i.spec.availabilityZone),
    eventsSet: [],
    instanceState: { code: STATE_CODE[i.state], name: i.state },
    instanceStatus: checkSummary(checks.instance),
    systemStatus: checkSummary(checks.system),
  };
}

function statusMatches(world: SimWorld, i: SimInstance, name: string, values: string[]): boolean {
  const has = (v: string | undefined): boolean => v !== undefined && values.some((pattern) => glob(pattern, v));
  const checks = statusChecks(world, i);
  const reachability = (c: CheckStatus): string | undefined =>
    ({ ok: 'passed', impaired: 'failed', initializing: 'initializing', 'not-applicable': undefined })[c];
  switch (name) {
    case 'availability-zone':
      return has(i.spec.availabilityZone);
    case 'instance-state-name':
      return has(i.state);
    case 'instance-state-code':
      return has(String(STATE_CODE[i.state]));
    case 'instance-status.status':
      return has(checks.instance);
    case 'instance-status.reachability':
      return has(reachability(checks.instance));
    case 'system-status.status':
      return has(checks.system);
    case 'system-status.reachability':
      return has(reachability(checks.system));
    case 'event.code':
    case 'event.description':
    case 'event.instance-event-id':
    case 'event.not-after':
    case 'event.not-before':
    case 'event.not-before-deadline':
      // The region schedules no maintenance events.
      return false;
    default:
      throw new SimApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

/**
 * EC2's page of a described list: MaxResults (5–1000) cannot be combined with ids; the token is the next item's
 * index.
 */
function ec2Page<T>(items: T[], params: QueryParams, idsGiven: boolean): { page: T[]; next: string | undefined } {
  const max = params.int('MaxResults');
  if (max !== undefined && idsGiven)
    throw new SimApiError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  if (max !== undefined && (max < 5 || max > 1000))
    throw new SimApiError('InvalidParameterValue', `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  const token = params.get('NextToken');
  const start = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new SimApiError('InvalidNextToken', `The token '${token ?? ''}' is invalid.`);
  const page = max === undefined ? items.slice(start) : items.slice(start, start + max);
  return { page, next: max !== undefined && start + max < items.length ? String(start + max) : undefined };
}

function matchesFilter(i: SimInstance, name: string, values: string[]): boolean {
  const has = (v: string | undefined): boolean => v !== undefined && values.some((pattern) => glob(pattern, v));
  switch (name) {
    case 'instance-id':
      return has(i.id);
    case 'instance-state-name':
      return has(i.state);
    case 'instance-state-code':
      return has(String(STATE_CODE[i.state]));
    case 'availability-zone':
      return has(i.spec.availabilityZone);
    case 'subnet-id':
      return has(i.spec.subnetId);
    case 'vpc-id':
      return has(i.spec.vpcId);
    case 'instance-type':
      return has(i.spec.instanceType);
    case 'private-ip-address':
      return has(i.spec.privateIp);
    case 'tag-key':
      return Object.keys(i.spec.tags).some((k) => has(k));
    case 'instance-lifecycle':
      // An On-Demand instance has no InstanceLifecycle, so it matches no value.
      return has(i.spec.lifecycle);
    default:
      if (name.startsWith('tag:')) return has(i.spec.tags[name.slice(4)]);
      throw new SimApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

/** Looks up every id or fails the whole request, as EC2 does: nothing changes when one id is wrong. */
function lookup(world: SimWorld, ids: string[]): SimInstance[] {
  if (ids.length === 0) throw new SimApiError('MissingParameter', 'The request must contain the parameter InstanceId');
  const malformed = ids.find((id) => !INSTANCE_ID.test(id));
  if (malformed !== undefined) throw new SimApiError('InvalidInstanceID.Malformed', `Invalid id: "${malformed}"`);
  const missing = ids.filter((id) => !world.instances.has(id));
  if (missing.length > 0) {
    throw new SimApiError(
      'InvalidInstanceID.NotFound',
      `The instance ID${missing.length > 1 ? 's' : ''} '${missing.join(', ')}' ${missing.length > 1 ? 'do' : 'does'} not exist`,
    );
  }
  return ids.map((id) => world.instances.get(id) as SimInstance);
}

function stateChanges(instances: SimInstance[], change: (i: SimInstance) => void): XmlValue {
  // Check every instance first so a refused one leaves the others untouched.
  const before = instances.map((i) => ({ i, previous: i.state }));
  for (const { i } of before) change(i);
  return before.map(({ i, previous }) => ({
    instanceId: i.id,
    currentState: { code: STATE_CODE[i.state], name: i.state },
    previousState: { code: STATE_CODE[previous], name: previous },
  }));
}

/**
 * EC2's answer to a mutating request with `DryRun=true` once the request is valid: nothing changes, and the error
 * `DryRunOperation` (HTTP 412) says the call would have succeeded. It comes after the ids are checked and before the
 * instances' states are, since a dry run checks the caller's permission on existing resources, not their state.
 */
function dryRun(params: QueryParams): void {
  if (params.bool('DryRun') === true) throw new SimApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}

/** DescribeSubnets' ids and filters (tags are those CreateTags gave the subnet). */
function subnetsMatching(world: SimWorld, params: QueryParams): SimWorld['subnets'] {
  const ids = params.ec2List('SubnetId');
  const all = [...world.subnets, ...world.network.publicSubnets];
  let subnets = ids.length > 0 ? all.filter((s) => ids.includes(s.id)) : all;
  const missing = ids.find((id) => !all.some((s) => s.id === id));
  if (missing !== undefined) throw new SimApiError('InvalidSubnetID.NotFound', `The subnet ID '${missing}' does not exist`);
  for (const f of params.ec2Filters()) {
    const has = (v: string): boolean => f.values.some((pattern) => glob(pattern, v));
    if (f.name === 'availability-zone') subnets = subnets.filter((s) => has(s.zone));
    else if (f.name === 'vpc-id') subnets = subnets.filter(() => has(world.vpcId));
    else if (f.name === 'subnet-id') subnets = subnets.filter((s) => has(s.id));
    else if (f.name.startsWith('tag:')) subnets = subnets.filter((s) => s.tags[f.name.slice(4)] !== undefined && has(s.tags[f.name.slice(4)] ?? ''));
    else if (f.name === 'tag-key') subnets = subnets.filter((s) => Object.keys(s.tags).some(has));
    else throw new SimApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  }
  return subnets;
}

function aclXml(world: SimWorld, acl: SimNetworkAcl): XmlValue {
  const acls = networkAclsOf(world);
  return {
    networkAclId: acl.id,
    vpcId: world.vpcId,
    default: acl.isDefault,
    ownerId: world.topology.accountId,
    entrySet: acl.entries.map((e) => ({
      ruleNumber: e.ruleNumber,
      protocol: e.protocol,
      ruleAction: e.ruleAction,
      egress: e.egress,
      cidrBlock: e.cidrBlock,
      portRange: e.portRange,
    })),
    associationSet: [...acls.associations]
      .filter(([, a]) => a.aclId === acl.id)
      .map(([id, a]) => ({ networkAclAssociationId: id, networkAclId: a.aclId, subnetId: a.subnetId })),
    tagSet: tagSet(acl.tags),
  };
}

function aclMatches(world: SimWorld, acl: SimNetworkAcl, name: string, values: string[]): boolean {
  const has = (v: string): boolean => values.some((pattern) => glob(pattern, v));
  const associations = [...networkAclsOf(world).associations].filter(([, a]) => a.aclId === acl.id);
  switch (name) {
    case 'network-acl-id':
      return has(acl.id);
    case 'vpc-id':
      return has(world.vpcId);
    case 'default':
      return has(String(acl.isDefault));
    case 'association.subnet-id':
      return associations.some(([, a]) => has(a.subnetId));
    case 'association.association-id':
      return associations.some(([id]) => has(id));
    case 'association.network-acl-id':
      return associations.length > 0 && has(acl.id);
    default:
      if (name.startsWith('tag:')) return acl.tags[name.slice(4)] !== undefined && has(acl.tags[name.slice(4)] ?? '');
      throw new SimApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

/** The tags of a `TagSpecification.N` for one resource type. */
function specifiedTags(params: QueryParams, resourceType: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let i = 1; params.get(`TagSpecification.${i}.ResourceType`) !== undefined; i++) {
    if (params.get(`TagSpecification.${i}.ResourceType`) !== resourceType) continue;
    for (let j = 1; params.get(`TagSpecification.${i}.Tag.${j}.Key`) !== undefined; j++)
      tags[params.get(`TagSpecification.${i}.Tag.${j}.Key`) ?? ''] = params.get(`TagSpecification.${i}.Tag.${j}.Value`) ?? '';
  }
  return tags;
}

/** A `CreateNetworkAclEntry` request's rule, checked as EC2 checks it. */
function aclEntry(params: QueryParams): NaclEntry {
  const ruleNumber = params.int('RuleNumber');
  const protocol = params.get('Protocol');
  const ruleAction = params.get('RuleAction');
  const cidrBlock = params.get('CidrBlock');
  if (ruleNumber === undefined) throw new SimApiError('MissingParameter', "The request must contain the parameter 'ruleNumber'");
  if (protocol === undefined) throw new SimApiError('MissingParameter', "The request must contain the parameter 'protocol'");
  if (ruleAction !== 'allow' && ruleAction !== 'deny')
    throw new SimApiError('InvalidParameterValue', `Value (${ruleAction ?? ''}) for parameter ruleAction is invalid. Expecting allow or deny.`);
  if (cidrBlock === undefined) throw new SimApiError('MissingParameter', "The request must contain the parameter 'cidrBlock' or 'ipv6CidrBlock'");
  const from = params.int('PortRange.From');
  const to = params.int('PortRange.To');
  return {
    ruleNumber,
    protocol,
    ruleAction,
    egress: params.bool('Egress') === true,
    cidrBlock,
    portRange: from !== undefined && to !== undefined ? { from, to } : undefined,
  };
}

/** The network ACL operations of EC2, or undefined for another action. */
function networkAclApi(world: SimWorld, params: QueryParams): Ec2Result | undefined {
  const acls = networkAclsOf(world);
  switch (params.action) {
    case 'DescribeNetworkAcls': {
      const ids = params.ec2List('NetworkAclId');
      let found = ids.length > 0 ? ids.map((id) => acls.get(id)) : [...acls.acls.values()];
      for (const f of params.ec2Filters()) found = found.filter((a) => aclMatches(world, a, f.name, f.values));
      return { networkAclSet: found.map((a) => aclXml(world, a)) };
    }
    case 'CreateNetworkAcl': {
      const vpcId = params.get('VpcId');
      dryRun(params);
      return { networkAcl: aclXml(world, acls.create(vpcId, specifiedTags(params, 'network-acl'))) };
    }
    case 'CreateNetworkAclEntry': {
      const entry = aclEntry(params);
      dryRun(params);
      acls.addEntry(params.get('NetworkAclId'), entry);
      return { return: true };
    }
    case 'DeleteNetworkAclEntry':
      dryRun(params);
      acls.deleteEntry(params.get('NetworkAclId'), params.int('RuleNumber'), params.bool('Egress') === true);
      return { return: true };
    case 'ReplaceNetworkAclAssociation':
      dryRun(params);
      return { newAssociationId: acls.replaceAssociation(params.get('AssociationId'), params.get('NetworkAclId')) };
    case 'DeleteNetworkAcl':
      dryRun(params);
      acls.delete(params.get('NetworkAclId'));
      return { return: true };
    default:
      return undefined;
  }
}

/** The `Tag.N.Key`/`Tag.N.Value` pairs of a request. */
function tagsOf(params: QueryParams): [string, string][] {
  const out: [string, string][] = [];
  for (let n = 1; params.get(`Tag.${n}.Key`) !== undefined; n++) out.push([params.get(`Tag.${n}.Key`) ?? '', params.get(`Tag.${n}.Value`) ?? '']);
  return out;
}

/** The IAM role ARN a caller's credentials come from (an AssumeRole session), if any. */
function roleOf(world: SimWorld, caller: string | undefined): string | undefined {
  const session = caller === undefined ? undefined : world.stsSessions.get(caller);
  const m = session === undefined ? null : /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(session.arn);
  return m === null ? undefined : `arn:aws:iam::${m[1]}:role/${m[2]}`;
}

/** EC2 query API of the simulated region. */
function ec2Api(world: SimWorld, params: QueryParams, caller: string | undefined): Ec2Result {
  const action = params.action;
  switch (action) {
    case 'DescribeInstances': {
      const ids = params.ec2List('InstanceId');
      let instances = ids.length > 0 ? lookup(world, ids) : [...world.instances.values()];
      for (const f of params.ec2Filters()) instances = instances.filter((i) => matchesFilter(i, f.name, f.values));
      const { page, next } = ec2Page(instances, params, ids.length > 0);
      return {
        reservationSet: page.map((i) => ({
          reservationId: `r-${i.id.slice(2)}`,
          ownerId: world.topology.accountId,
          groupSet: [],
          instancesSet: [instanceXml(i)],
        })),
        nextToken: next,
      };
    }
    case 'DescribeInstanceStatus': {
      const ids = params.ec2List('InstanceId');
      let instances = ids.length > 0 ? lookup(world, ids) : [...world.instances.values()];
      // By default only running instances; IncludeAllInstances describes every state.
      if (params.bool('IncludeAllInstances') !== true) instances = instances.filter((i) => i.state === 'running');
      for (const f of params.ec2Filters()) instances = instances.filter((i) => statusMatches(world, i, f.name, f.values));
      const { page, next } = ec2Page(instances, params, ids.length > 0);
      return { instanceStatusSet: page.map((i) => instanceStatusXml(world, i)), nextToken: next };
    }
    case 'TerminateInstances': {
      const instances = lookup(world, params.ec2List('InstanceId'));
      dryRun(params);
      return { instancesSet: stateChanges(instances, (i) => i.terminate()) };
    }
    case 'StopInstances': {
      const instances = lookup(world, params.ec2List('InstanceId'));
      dryRun(params);
      const refused = instances.find((i) => i.state !== 'running' && i.state !== 'stopping' && i.state !== 'stopped');
      if (refused !== undefined)
        throw new SimApiError('IncorrectInstanceState', `This instance '${refused.id}' is not in a state from which it can be stopped.`);
      return { instancesSet: stateChanges(instances, (i) => i.stop()) };
    }
    case 'StartInstances': {
      const instances = lookup(world, params.ec2List('InstanceId'));
      dryRun(params);
      const refused = instances.find((i) => i.state !== 'stopped' && i.state !== 'pending' && i.state !== 'running');
      if (refused !== undefined)
        throw new SimApiError('IncorrectInstanceState', `The instance '${refused.id}' is not in a state from which it can be started.`);
      // FIS aws:ec2:api-insufficient-instance-capacity-error answers the target roles' StartInstances with ICE.
      const role = roleOf(world, caller);
      for (const i of instances)
        if (i.state === 'stopped') world.az.assertCapacity(i.spec.availabilityZone, i.spec.instanceType, role === undefined ? {} : { role });
      return { instancesSet: stateChanges(instances, (i) => i.start()) };
    }
    case 'RebootInstances': {
      const instances = lookup(world, params.ec2List('InstanceId'));
      dryRun(params);
      const refused = instances.find((i) => i.state !== 'running');
      if (refused !== undefined)
        throw new SimApiError('IncorrectInstanceState', `The instance '${refused.id}' is not in a state from which it can be rebooted.`);
      for (const i of instances) i.reboot();
      return { return: true };
    }
    case 'DescribeVpcs':
      return {
        vpcSet: [
          {
            vpcId: world.vpcId,
            state: 'available',
            cidrBlock: world.topology.vpcCidr,
            ownerId: world.topology.accountId,
            instanceTenancy: 'default',
            isDefault: false,
            cidrBlockAssociationSet: [
              { associationId: `vpc-cidr-assoc-${world.vpcId.slice(4)}`, cidrBlock: world.topology.vpcCidr, cidrBlockState: { state: 'associated' } },
            ],
          },
        ],
      };
    case 'DescribeSubnets':
      return {
        subnetSet: subnetsMatching(world, params).map((s) => ({
          subnetId: s.id,
          state: 'available',
          vpcId: world.vpcId,
          cidrBlock: s.cidr,
          availabilityZone: s.zone,
          availabilityZoneId: zoneId(world, s.zone),
          availableIpAddressCount: 4000,
          defaultForAz: false,
          mapPublicIpOnLaunch: s.public === true,
          ownerId: world.topology.accountId,
          subnetArn: `arn:aws:ec2:${world.topology.region}:${world.topology.accountId}:subnet/${s.id}`,
          tagSet: tagSet(s.tags),
        })),
      };
    case 'CreateTags': {
      // Subnets and instances take tags (FIS selects targets on them, as AWS's AZ scenario does with AzImpairmentPower).
      const ids = params.ec2List('ResourceId');
      const tags = tagsOf(params);
      for (const id of ids) {
        const target = world.subnets.find((s) => s.id === id)?.tags ?? world.instances.get(id)?.spec.tags;
        if (target === undefined) throw new SimApiError('InvalidID', `The ID '${id}' is not valid`);
        for (const [k, v] of tags) target[k] = v;
      }
      return { return: true };
    }
    default: {
      const other = networkAclApi(world, params) ?? zonesApi(world, params) ?? ec2NetworkApi(world, params) ?? launchTemplateApi(world, params);
      if (other !== undefined) return other;
      throw new SimApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }
}

/** EC2 as the server serves it: EC2 query. */
export const ec2Service = ec2QueryService<SimWorld>(ec2Api);
