import type { Architecture } from '../../src/architecture/model.js';
import { readArchitecture } from '../../src/architecture/read-account.js';
import { topologyOf } from '../../src/architecture/to-topology.js';
import type { AuditEntry } from '../../src/aws/audit.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';

/**
 * Reads the account behind `endpoint` as `gameday twin` does (real SDK clients over HTTP through the client factory)
 * and maps it to a topology; gives every call of the read as its audit trail saw it.
 */
export async function twinOf(
  endpoint: string,
  region: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<{ architecture: Architecture; topology: Record<string, unknown>; notes: string[]; calls: AuditEntry[] }> {
  const aws = new AwsClientFactory({ kind: 'localstack', region, endpoint, credentials, maxAttempts: 1 });
  const calls: AuditEntry[] = [];
  aws.onCall((e) => calls.push(e));
  try {
    const architecture = await readArchitecture(aws, { source: { kind: 'account', name: 'test', endpoint } });
    const { topology, notes } = topologyOf(architecture);
    return { architecture, topology, notes, calls };
  } finally {
    await aws.destroy();
  }
}
