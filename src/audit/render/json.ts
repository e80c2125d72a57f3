import type { AuditReport } from '../finding.js';

/** Version tag of the JSON document; a reader refuses versions it does not know, as with journals. */
export const AUDIT_SCHEMA_VERSION = 'gameday.audit/v1';

/** The report as it is, tagged with its schema version, so CI can read it without knowing gameday's types. */
export function renderAuditJson(report: AuditReport): string {
  return `${JSON.stringify({ schemaVersion: AUDIT_SCHEMA_VERSION, ...report }, null, 2)}\n`;
}
