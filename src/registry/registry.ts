import type { AnyActionDefinition, AnyProbeDefinition } from './types.js';


const ID = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
/** An IAM action: service prefix, colon, action name (`ec2:StopInstances`). */
const IAM_ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/**
 * The explicit catalogue of actions and probes. Definitions are checked when they register, not when first used.
 */
export class Registry {
  readonly #actions = new Map<string, AnyActionDefinition>();
  readonly #probes = new Map<string, AnyProbeDefinition>();

  registerAction(definition: AnyActionDefinition): this {
    Registry.#checkId('action', definition.id, this.#actions);
    Registry.#checkPermissions('action', definition.id, definition.permissions);
    if (definition.targetType !== undefined && definition.inventory === undefined) {
      throw new TypeError(`Action '${definition.id}' declares target type '${definition.targetType}' but no inventory to resolve it.`);
    }
    this.#actions.set(definition.id, definition);
    return this;
  }

  registerProbe(definition: AnyProbeDefinition): this {
    Registry.#checkId('probe', definition.id, this.#probes);
    Registry.#checkPermissions('probe', definition.id, definition.permissions);
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

  // The least-privilege policy is built from these lists: a definition without them would leave its calls unpermitted.
  static #checkPermissions(kind: string, id: string, permissions: unknown): void {
    const p = permissions as { read?: unknown; write?: unknown } | undefined;
    if (p === undefined || p === null || !Array.isArray(p.read) || !Array.isArray(p.write)) {
      throw new TypeError(`The ${kind} '${id}' must declare its IAM permissions as { read: [...], write: [...] } (empty lists when it calls no AWS API).`);
    }
    for (const action of [...(p.read as unknown[]), ...(p.write as unknown[])]) {
      if (typeof action !== 'string' || !IAM_ACTION.test(action)) {
        throw new TypeError(`The ${kind} '${id}' declares '${String(action)}' as a permission; expected an IAM action such as 'ec2:DescribeInstances'.`);
      }
    }
  }

  static #checkId(kind: string, id: string, existing: Map<string, unknown>): void {
    if (!ID.test(id)) throw new TypeError(`The ${kind} id '${id}' must be dotted lower-case words, such as 'aws.ec2.stop-instances'.`);
    if (existing.has(id)) throw new TypeError(`The ${kind} '${id}' is already registered.`);
  }
}
