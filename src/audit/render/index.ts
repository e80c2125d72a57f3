import type { AuditReport } from '../finding.js';
import type { RenderOptions } from './common.js';
import { renderAuditHtml } from './html.js';
import { renderAuditJson } from './json.js';
import { renderAuditMarkdown } from './markdown.js';
import { renderAuditText } from './text.js';

export const AUDIT_FORMATS = ['text', 'json', 'markdown', 'html'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** The report in the format `gameday audit --format` names. */
export function renderAudit(report: AuditReport, format: AuditFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'text':
      return renderAuditText(report, options);
    case 'json':
      return renderAuditJson(report);
    case 'markdown':
      return renderAuditMarkdown(report, options);
    case 'html':
      return renderAuditHtml(report, options);
  }
}
