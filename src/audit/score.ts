import { type Finding, LAYERS, type LayerScore, type Severity } from './finding.js';

/**
 * What one finding costs a layer's readiness. A critical finding is an outage waiting for its trigger (a zone loss
 * takes the tier down): 40, so three of them empty the layer. High is an outage in a likely failure or a recovery
 * that will not happen (20); medium degrades or slows recovery (10); low is hygiene that makes the next change riskier
 * (3). Info is what holds: free.
 */
export const SEVERITY_WEIGHT: Record<Severity, number> = { critical: 40, high: 20, medium: 10, low: 3, info: 0 };

/** Each layer: 100 minus its findings' weights, never below 0; `findings` counts those above info. */
export function scoreLayers(findings: Finding[]): LayerScore[] {
  return LAYERS.map((layer) => {
    const mine = findings.filter((f) => f.layer === layer && f.severity !== 'info');
    return { layer, score: Math.max(0, 100 - mine.reduce((s, f) => s + SEVERITY_WEIGHT[f.severity], 0)), findings: mine.length };
  });
}
