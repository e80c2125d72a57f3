import { z } from 'zod';
import type { Clock } from '../../src/core/clock.js';
import { duration } from '../../src/experiment/fields.js';
import { ActionFailedError } from '../../src/errors/action-error.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import { Registry } from '../../src/registry/registry.js';
import type { ActionContext, ActionDefinition, ProbeDefinition } from '../../src/registry/types.js';

/** What a request to the service costs on the virtual clock, so samples are spans as over a real socket. */
export const REQUEST_MS = 4;

/**
 * A service that lives on a virtual clock: it is up or down, and records each transition's instant on that clock.
 * With the probe and actions below, a whole run waits only on the clock, so its timing can be asserted exactly.
 */
export class VirtualService {
  readonly transitions: { at: number; up: boolean }[] = [];
  /** Extra time the first request takes, as a probe's first connection and client loading do. */
  coldStartMs = 0;
  /** What each request costs on the clock; a slow dependency answers later than the probe's interval. */
  requestMs = REQUEST_MS;
  #up = true;

  constructor(readonly clock: Clock) {
    this.transitions.push({ at: clock.now(), up: true });
  }

  get isUp(): boolean {
    return this.#up;
  }

  down(): void {
    if (!this.#up) return;
    this.#up = false;
    this.transitions.push({ at: this.clock.now(), up: false });
  }

  up(): void {
    if (this.#up) return;
    this.#up = true;
    this.transitions.push({ at: this.clock.now(), up: true });
  }
}

/** Records the mutating call that changed the service, on the run's clock, so the journal knows when it landed. */
function recordChange(ctx: ActionContext, operation: string, change: () => void): void {
  const at = ctx.clock.now();
  change();
  ctx.recordCall({ service: 'virtual', operation, request: {}, startedAt: at, endedAt: at, mutating: true, ok: true });
}

/** The probe (`virtual.up`), an outage that ends by itself (`virtual.outage`) and one undone by its rollback (`virtual.take-down`). */
export function virtualRegistry(service: VirtualService): Registry {
  const probe: ProbeDefinition<Record<string, never>, Record<string, never>> = {
    id: 'virtual.up',
    summary: 'Asks the virtual service whether it is up.',
    measures: ['availability', 'latency'],
    permissions: { read: [], write: [] },
    capabilities: NO_AWS_CALL,
    args: z.strictObject({}),
    tolerance: z.strictObject({}),
    defaultTolerance: {},
    open: (_args, ctx) => ({
      async sample(signal) {
        const cold = service.coldStartMs;
        service.coldStartMs = 0;
        await ctx.clock.sleep(service.requestMs + cold, signal);
        return { value: service.isUp ? 200 : 503, latencyMs: REQUEST_MS };
      },
      close: async () => undefined,
    }),
    check: (o) => (o.value === 200 ? null : `HTTP ${String(o.value ?? o.error)}`),
  };
  const outage: ActionDefinition<{ for: number }> = {
    id: 'virtual.outage',
    summary: 'Takes the virtual service down for a while.',
    mutating: true,
    permissions: { read: [], write: [] },
    capabilities: NO_AWS_CALL,
    args: z.strictObject({ for: duration() }),
    async run(a, ctx) {
      recordChange(ctx, 'outage', () => service.down());
      void service.clock.sleep(a.for).then(() => service.up());
      return { output: { backInMs: a.for } };
    },
  };
  const takeDown: ActionDefinition<Record<string, never>> = {
    id: 'virtual.take-down',
    summary: 'Takes the virtual service down; its rollback brings it back.',
    mutating: true,
    permissions: { read: [], write: [] },
    capabilities: NO_AWS_CALL,
    args: z.strictObject({}),
    async run(_a, ctx) {
      if (!service.isUp) throw new ActionFailedError('The service is already down.');
      recordChange(ctx, 'down', () => service.down());
      return { output: {} };
    },
    async rollback(_a, _r, ctx) {
      recordChange(ctx, 'up', () => service.up());
      return { output: { up: true } };
    },
  };
  return new Registry().registerProbe(probe).registerAction(outage).registerAction(takeDown);
}
