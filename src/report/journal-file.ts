import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Journal } from '../engine/journal.js';

/** Writes a journal as indented JSON, creating its folder. */
export async function writeJournalFile(path: string, journal: Journal): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(journal, null, 2)}\n`);
}
