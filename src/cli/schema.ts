import { experimentJsonSchema } from '../experiment/schema.js';
import { journalJsonSchema } from '../engine/journal.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { GlobalOptions } from './output.js';

/** `gameday schema [--journal]`: prints a JSON Schema generated from the validator's own definitions. */
export async function schemaCommand(_globals: GlobalOptions, options: { journal: boolean }): Promise<number> {
  const schema = options.journal ? journalJsonSchema() : experimentJsonSchema(defaultRegistry());
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return 0;
}
