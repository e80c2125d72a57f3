import type { Architecture } from '../architecture/model.js';
import { readArchitecture } from '../architecture/read-account.js';
import { topologyOf } from '../architecture/to-topology.js';
import { auditArchitecture } from '../audit/audit.js';
import type { AuditObjectives, AuditReport } from '../audit/finding.js';
import type { AwsClients } from '../aws/clients.js';
import { type ArchitectureSourceOptions, openArchitectureSource } from './architecture-source.js';

export type { ArchitectureSourceOptions };

/**
 * What `gameday audit` calls to read, audit and twin an architecture. One seam, so the command's own logic (options,
 * outputs, exit codes, proofs) is tested on a hand-built report, and the real pieces everywhere else.
 */
export interface AuditPieces {
  openArchitectureSource(options: ArchitectureSourceOptions): Promise<{ aws: AwsClients; source: Architecture['source']; close(): Promise<void> }>;
  readArchitecture(aws: AwsClients, options: { source: Architecture['source']; signal?: AbortSignal; regions?: readonly string[] }): Promise<Architecture>;
  topologyOf(a: Architecture): { topology: unknown; notes: readonly unknown[] };
  auditArchitecture(a: Architecture, objectives: AuditObjectives, options: { twin: string; speed?: number }): AuditReport;
}

export const realAuditPieces: AuditPieces = { openArchitectureSource, readArchitecture, topologyOf, auditArchitecture };
