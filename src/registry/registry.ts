import type { AnyActionDefinition, AnyProbeDefinition } from './types.js';

const ID = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/**
 * The explicit catalogue of actions and probes. Definitions are checked when they register, not when first used.
 */
export class Registry {
  readonly #actions = new Map<string, AnyActionDefinition>();
  readonly #probes = new Map<string, AnyProbeDefinition>();

  registerAction(definition: AnyActionDefinition): this {
    Registry.#checkId('action', definition.id, this.#actions);
    if (definition.targetType !== undefined && definition.inventory === undefined) {
      throw new TypeError(`Action '${definition.id}' declares target type '${definition.targetType}' but no inventory to resolve it.`);
    }
    this.#actions.set(definition.id, definition);
    return this;
  }

  registerProbe(definition: AnyProbeDefinition): this {
    Registry.#checkId('probe', definition.id, this.#probes);
    if (definition.measures.length === 0) {
      throw new TypeError(`Probe '${definition.id}' must declare at least one measure.`);
    }
    this.#probes.set(definition.id, definition);
    return this;
  }

  action(id: string): AnyActionDefinition | undefined {
    return this.#actions.get(id);
  }

  probe(id: string): AnyProbeDefinition | undefined {
    return this.#probes.get(id);
  }

  get actions(): AnyActionDefinition[] {
    return [...this.#actions.values()];
  }

  get probes(): AnyProbeDefinition[] {
    return [...this.#probes.values()];
  }

  static #checkId(kind: string, id: string, existing: Map<string, unknown>): void {
    if (!ID.test(id)) throw new TypeError(`The ${kind} id '${id}' must be dotted lower-case words, such as 'aws.ec2.stop-instances'.`);
    if (existing.has(id)) throw new TypeError(`The ${kind} '${id}' is already registered.`);
  }
}
