import { capabilitiesJson } from '../registry/capability-matrix.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { renderCapabilitiesMarkdown } from '../report/capabilities-md.js';
import type { GlobalOptions } from './output.js';

/**
 * `gameday capabilities [--format md|json]`: where each action and probe works (sim, moto, LocalStack free and paid,
 * AWS). The Markdown is docs/capabilities.md; `--json` (global) is the same as `--format json`.
 */
export async function capabilitiesCommand(globals: GlobalOptions, options: { format: 'md' | 'json' }): Promise<number> {
  const registry = defaultRegistry();
  const text = globals.json || options.format === 'json' ? `${JSON.stringify(capabilitiesJson(registry), null, 2)}\n` : renderCapabilitiesMarkdown(registry);
  process.stdout.write(text);
  return 0;
}
