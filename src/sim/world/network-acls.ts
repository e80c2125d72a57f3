import { hex } from '../hex.js';
import { SimApiError } from '../protocol/errors.js';

/** One rule of a network ACL, as EC2 describes it. */
export interface NaclEntry {
  ruleNumber: number;
  protocol: string;
  ruleAction: 'allow' | 'deny';
  egress: boolean;
  cidrBlock: string;
  portRange: { from: number; to: number } | undefined;
}

/** A network ACL of the region's VPC. */
export interface SimNetworkAcl {
  id: string;
  isDefault: boolean;
  entries: NaclEntry[];
  tags: Record<string, string>;
}

/** What the ACLs need of the world: its VPC, its subnets, and the cut of a subnet's traffic. */
export interface NaclWorld {
  readonly vpcId: string;
  readonly subnets: readonly { id: string }[];
  /** The public subnets of a VPC with NAT gateways: associated with the default ACL like every other subnet. */
  readonly network?: { readonly publicSubnets: readonly { id: string }[] };
  disruptSubnet(subnetId: string): () => void;
}

/** The highest rule number a user may give (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html). */
const MAX_RULE = 32766;

/**
 * Whether an ACL lets no traffic through one direction. Rules are evaluated lowest number first and the first rule
 * that matches decides; traffic that no rule matches is denied by the `*` rule
 * (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html). So a direction is closed when no allow rule
 * comes before its first deny of all protocols from 0.0.0.0/0 (which covers a custom ACL without rules).
 */
function closed(acl: SimNetworkAcl, egress: boolean): boolean {
  const rules = acl.entries.filter((e) => e.egress === egress).sort((a, b) => a.ruleNumber - b.ruleNumber);
  for (const rule of rules) {
    if (rule.ruleAction === 'allow') return false;
    if (rule.protocol === '-1' && rule.cidrBlock === '0.0.0.0/0') return true;
  }
  return true;
}

/**
 * The VPC's network ACLs and their subnet associations. Every subnet starts associated with the VPC's default ACL,
 * which allows all traffic in and out (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html).
 * A subnet whose ACL closes a direction loses its connectivity (`world.disruptSubnet`) until it is associated with
 * an ACL that lets traffic through again, or the rules change.
 */
export class SimNetworkAcls {
  readonly acls = new Map<string, SimNetworkAcl>();
  /** Association id → subnet and ACL. */
  readonly associations = new Map<string, { subnetId: string; aclId: string }>();
  readonly #world: NaclWorld;
  readonly #restores = new Map<string, () => void>();

  constructor(world: NaclWorld) {
    this.#world = world;
    const all = (egress: boolean, ruleNumber: number, ruleAction: 'allow' | 'deny'): NaclEntry => ({
      ruleNumber,
      protocol: '-1',
      ruleAction,
      egress,
      cidrBlock: '0.0.0.0/0',
      portRange: undefined,
    });
    const id = `acl-${hex(17)}`;
    this.acls.set(id, {
      id,
      isDefault: true,
      entries: [all(false, 100, 'allow'), all(true, 100, 'allow'), all(false, 32767, 'deny'), all(true, 32767, 'deny')],
      tags: {},
    });
    // "Each subnet in your VPC must be associated with a network ACL": the default one unless told otherwise
    // (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html).
    for (const s of [...world.subnets, ...(world.network?.publicSubnets ?? [])]) this.associations.set(`aclassoc-${hex(17)}`, { subnetId: s.id, aclId: id });
  }

  /** CreateNetworkAcl: a custom ACL, which denies all traffic until rules are added. */
  create(vpcId: string | undefined, tags: Record<string, string>): SimNetworkAcl {
    if (vpcId === undefined) throw new SimApiError('MissingParameter', "The request must contain the parameter 'vpcId'");
    if (vpcId !== this.#world.vpcId) throw new SimApiError('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    const acl: SimNetworkAcl = { id: `acl-${hex(17)}`, isDefault: false, entries: [], tags };
    this.acls.set(acl.id, acl);
    return acl;
  }

  get(id: string | undefined): SimNetworkAcl {
    const acl = id === undefined ? undefined : this.acls.get(id);
    if (acl === undefined) throw new SimApiError('InvalidNetworkAclID.NotFound', `The networkAcl ID '${id ?? ''}' does not exist`);
    return acl;
  }

  /** CreateNetworkAclEntry. */
  addEntry(aclId: string | undefined, entry: NaclEntry): void {
    const acl = this.get(aclId);
    if (!Number.isInteger(entry.ruleNumber) || entry.ruleNumber < 1 || entry.ruleNumber > MAX_RULE)
      throw new SimApiError('InvalidParameterValue', `Invalid value for parameter ruleNumber: ${entry.ruleNumber} (expected 1 to ${MAX_RULE})`);
    if (acl.entries.some((e) => e.egress === entry.egress && e.ruleNumber === entry.ruleNumber))
      throw new SimApiError('NetworkAclEntryAlreadyExists', `The network acl entry identified by ${entry.ruleNumber} already exists.`);
    acl.entries.push(entry);
    this.#apply();
  }

  /** DeleteNetworkAclEntry. */
  deleteEntry(aclId: string | undefined, ruleNumber: number | undefined, egress: boolean): void {
    const acl = this.get(aclId);
    const at = acl.entries.findIndex((e) => e.egress === egress && e.ruleNumber === ruleNumber);
    if (at < 0) throw new SimApiError('InvalidNetworkAclEntry.NotFound', `The network acl entry identified by ${ruleNumber ?? ''} does not exist.`);
    acl.entries.splice(at, 1);
    this.#apply();
  }

  /** ReplaceNetworkAclAssociation: the subnet moves to another ACL under a new association id. */
  replaceAssociation(associationId: string | undefined, aclId: string | undefined): string {
    const acl = this.get(aclId);
    const current = associationId === undefined ? undefined : this.associations.get(associationId);
    if (current === undefined || associationId === undefined)
      throw new SimApiError('InvalidAssociationID.NotFound', `The association ID '${associationId ?? ''}' does not exist`);
    this.associations.delete(associationId);
    const next = `aclassoc-${hex(17)}`;
    this.associations.set(next, { subnetId: current.subnetId, aclId: acl.id });
    this.#apply();
    return next;
  }

  /** DeleteNetworkAcl: refused for the default ACL and for one still associated with a subnet, as EC2 does. */
  delete(aclId: string | undefined): void {
    const acl = this.get(aclId);
    if (acl.isDefault) throw new SimApiError('InvalidParameterValue', `cannot delete default network ACL ${acl.id}`);
    if ([...this.associations.values()].some((a) => a.aclId === acl.id))
      throw new SimApiError('DependencyViolation', `The networkAcl '${acl.id}' has dependencies and cannot be deleted.`);
    this.acls.delete(acl.id);
  }

  /** Cuts the subnets whose ACL closes a direction, and restores those whose ACL no longer does. */
  #apply(): void {
    for (const { subnetId, aclId } of this.associations.values()) {
      const acl = this.acls.get(aclId);
      const cut = acl !== undefined && (closed(acl, false) || closed(acl, true));
      const restore = this.#restores.get(subnetId);
      if (cut && restore === undefined) this.#restores.set(subnetId, this.#world.disruptSubnet(subnetId));
      if (!cut && restore !== undefined) {
        this.#restores.delete(subnetId);
        restore();
      }
    }
  }
}

const byWorld = new WeakMap<NaclWorld, SimNetworkAcls>();

/** The network ACLs of a world, made on first use (a world that never touches them pays nothing). */
export function networkAclsOf(world: NaclWorld): SimNetworkAcls {
  let acls = byWorld.get(world);
  if (acls === undefined) {
    acls = new SimNetworkAcls(world);
    byWorld.set(world, acls);
  }
  return acls;
}
