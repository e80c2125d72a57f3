import { CAPABILITY_ENVIRONMENTS, LOCALSTACK_SERVICES } from './capabilities.js';
import type { AnyActionDefinition, AnyProbeDefinition } from './types.js';

const ID = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
/** An IAM action: service prefix, colon, action name (`ec2:StopInstances`). */
const IAM_ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/**
 * The explicit catalogue of actions and probes. Definitions are checked when they register, not when first used.
 * A refused definition is its author's mistake, met when gameday's own registry is built and never by an operator,
 * so it throws a plain TypeError rather than a GamedayError with an exit code.
 */
export class Registry {
  readonly #actions = new Map<string, AnyActionDefinition>();
  readonly #probes = new Map<string, AnyProbeDefinition>();

  registerAction(definition: AnyActionDefinition): this {
    Registry.#checkId('action', definition.id, this.#actions);
    Registry.#checkPermissions('action', definition.id, definition.permissions);
    Registry.#checkCapabilities('action', definition.id, definition.capabilities);
    if (definition.targetType !== undefined && definition.inventory === undefined) {
      throw new TypeError(`Action '${definition.id}' declares target type '${definition.targetType}' but no inventory to resolve it.`);
    }
    Registry.#checkReconcile(definition);
    this.#actions.set(definition.id, definition);
    return this;
  }

  registerProbe(definition: AnyProbeDefinition): this {
    Registry.#checkId('probe', definition.id, this.#probes);
    Registry.#checkPermissions('probe', definition.id, definition.permissions);
    Registry.#checkCapabilities('probe', definition.id, definition.capabilities);
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

  // docs/capabilities.md and the LocalStack service lists are built from these rows: a definition without one would
  // be missing from the matrix, and a bare `partial` or `no` would leave its user guessing why.
  static #checkCapabilities(kind: string, id: string, capabilities: unknown): void {
    const c = capabilities as { services?: unknown; support?: Record<string, unknown> } | undefined;
    if (c === undefined || c === null || !Array.isArray(c.services) || typeof c.support !== 'object' || c.support === null) {
      throw new TypeError(`The ${kind} '${id}' must declare its capabilities as { services: [...], support: { ${CAPABILITY_ENVIRONMENTS.join(', ')} } }.`);
    }
    for (const service of c.services as unknown[]) {
      if (!(LOCALSTACK_SERVICES as readonly unknown[]).includes(service)) {
        throw new TypeError(`The ${kind} '${id}' declares '${String(service)}' as a service; expected one of ${LOCALSTACK_SERVICES.join(', ')}.`);
      }
    }
    for (const environment of CAPABILITY_ENVIRONMENTS) {
      const capability = c.support[environment] as { support?: unknown; note?: unknown } | undefined;
      if (capability === undefined || !['yes', 'partial', 'no'].includes(String(capability.support))) {
        throw new TypeError(`The ${kind} '${id}' must say whether it works on ${environment}: yes, partial or no.`);
      }
      if (capability.support !== 'yes' && (typeof capability.note !== 'string' || capability.note.trim() === '')) {
        throw new TypeError(`The ${kind} '${id}' is ${String(capability.support)} on ${environment} and must say why in a note.`);
      }
    }
  }

  // A worker lost while injecting would otherwise leave a fault whose outcome nobody knows. Actions without AWS writes
  // (local ones, tests' own) have no account state for another worker to read back, so they are not held to it.
  static #checkReconcile(definition: AnyActionDefinition): void {
    if ((definition.intent === undefined) !== (definition.reconcile === undefined)) {
      throw new TypeError(`Action '${definition.id}' must declare both intent and reconcile, or neither.`);
    }
    const undoable = definition.mutating && definition.rollback !== undefined && definition.permissions.write.length > 0;
    if (undoable && definition.reconcile === undefined && (definition.reconcileExempt ?? '').trim() === '') {
      throw new TypeError(
        `Action '${definition.id}' mutates AWS and has a rollback, so it must declare intent and reconcile (for a lost worker's successor), or say in reconcileExempt why not.`,
      );
    }
  }

  static #checkId(kind: string, id: string, existing: Map<string, unknown>): void {
    if (!ID.test(id)) throw new TypeError(`The ${kind} id '${id}' must be dotted lower-case words, such as 'aws.ec2.stop-instances'.`);
    if (existing.has(id)) throw new TypeError(`The ${kind} '${id}' is already registered.`);
  }
}
