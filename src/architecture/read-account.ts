import type { AwsClients } from '../aws/clients.js';
import { sdk } from '../aws/sdk.js';
import { type Architecture, emptyArchitecture } from './model.js';
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
 * rate of calls on a live account low.
 */
export async function readArchitecture(aws: AwsClients, options: { source: Architecture['source']; signal?: AbortSignal | undefined }): Promise<Architecture> {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };
  const sts = await aws.sts();
  const { GetCallerIdentityCommand } = await sdk.sts();
  const identity = await sts.send(new GetCallerIdentityCommand({}), send);
  const region = await regionOf(aws);
  const ctx: ReadContext = {
    aws,
    options: send,
    arch: emptyArchitecture(options.source, region, identity.Account ?? ''),
    partition: identity.Arn?.split(':')[1] ?? 'aws',
  };
  await readEc2(ctx);
  await readGroups(ctx);
  await readBalancers(ctx);
  await readDatabases(ctx);
  await readDns(ctx);
  await readAlarms(ctx);
  await readStacks(ctx);
  return ctx.arch;
}

/** The region the clients call: the target's, as the SDK resolved it. */
async function regionOf(aws: AwsClients): Promise<string> {
  const client = await aws.ec2();
  const region = client.config.region;
  return typeof region === 'function' ? await region() : region;
}
