import type { AwsClients } from '../aws/clients.js';
import { sdk } from '../aws/sdk.js';
import { type Architecture, emptyArchitecture, REGIONAL_KEYS } from './model.js';
import { readAlarms } from './read/alarms.js';
import { readBalancers } from './read/balancers.js';
import { readDatabases } from './read/databases.js';
import { readDns } from './read/dns.js';
import { readEc2 } from './read/ec2.js';
import { readGroups } from './read/groups.js';
import type { ReadContext } from './read/reading.js';
import { readStacks } from './read/stacks.js';

/**
 * Reads an architecture with read-only calls (Describe*, List*, Get*) through `aws`, so every call lands in its audit
 * trail. Every list is paged. An operation the target refuses (not implemented, unsupported, access denied) does not
 * fail the read: what it would have returned is listed in `unmodelled`. The parts are read one after the other, in
 * the order later parts need (subnets before NAT gateways, instances before target health), which also keeps the
 * rate of calls on a live account low. With `regions`, each Region is read in turn through its own clients (the first
 * is the home Region), and Route 53, which is global, once.
 */
export async function readArchitecture(
  aws: AwsClients,
  options: { source: Architecture['source']; signal?: AbortSignal | undefined; regions?: readonly string[] | undefined },
): Promise<Architecture> {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };
  const sts = await aws.sts();
  const { GetCallerIdentityCommand } = await sdk.sts();
  const identity = await sts.send(new GetCallerIdentityCommand({}), send);
  const partition = identity.Arn?.split(':')[1] ?? 'aws';
  const [first, ...others] = options.regions ?? [];
  const home = first === undefined ? aws : aws.inRegion(first);
  const region = await regionOf(home);
  const ctx: ReadContext = { aws: home, options: send, arch: emptyArchitecture(options.source, region, identity.Account ?? ''), partition };
  await readRegion(ctx, true);
  const more = [...new Set(others)].filter((r) => r !== region);
  if (more.length === 0) return ctx.arch;
  // Every regional resource says its Region; Route 53 is global and read once, with the first Region.
  const a = ctx.arch;
  stampRegion(a, region);
  a.regions = [region, ...more];
  for (const r of more) {
    const part: ReadContext = { aws: aws.inRegion(r), options: send, arch: emptyArchitecture(options.source, r, a.accountId), partition };
    await readRegion(part, false);
    stampRegion(part.arch, r);
    for (const key of REGIONAL_KEYS) (a[key] as unknown[]).push(...(part.arch[key] as unknown[]));
    a.vpcs.push(...part.arch.vpcs);
    a.regionZones.push(...part.arch.regionZones);
    a.unmodelled.push(...part.arch.unmodelled);
  }
  return a;
}

function stampRegion(a: Architecture, region: string): void {
  for (const key of REGIONAL_KEYS) for (const r of a[key]) r.region = region;
}

/** One Region's parts, in the order later parts need; `global` also reads Route 53, which has no Region. */
async function readRegion(ctx: ReadContext, global: boolean): Promise<void> {
  await readEc2(ctx);
  await readGroups(ctx);
  await readBalancers(ctx);
  await readDatabases(ctx);
  if (global) await readDns(ctx);
  await readAlarms(ctx);
  await readStacks(ctx);
}

/** The region the clients call: the target's, as the SDK resolved it. */
async function regionOf(aws: AwsClients): Promise<string> {
  const client = await aws.ec2();
  const region = client.config.region;
  return typeof region === 'function' ? await region() : region;
}
