import { ExitCode } from '../errors/gameday-error.js';
import { ExperimentValidationError } from '../errors/validation-error.js';
import { loadExperimentFile } from '../experiment/load.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { reportError, type GlobalOptions } from './output.js';
import { placeholderSimOutputs } from './sim-host.js';

/** `gameday validate FILE…`: every file is checked; exit 2 when any is invalid. */
export async function validateCommand(globals: GlobalOptions, files: string[]): Promise<number> {
  const registry = defaultRegistry();
  let exitCode: number = ExitCode.Passed;
  const results: unknown[] = [];
  for (const file of files) {
    try {
      const { experiment } = await loadExperimentFile(file, { registry, simOutputs: placeholderSimOutputs });
      if (globals.json) results.push({ file, valid: true, name: experiment.metadata.name });
      else
        process.stdout.write(
          `ok: ${file}: experiment '${experiment.metadata.name}' is valid (${experiment.probes.length} probe(s), ${experiment.faults.length} fault(s))\n`,
        );
    } catch (error) {
      if (globals.json && error instanceof ExperimentValidationError) results.push({ file, valid: false, issues: error.issues });
      else exitCode = Math.max(exitCode, reportError(error, { ...globals, json: false }));
      exitCode = Math.max(exitCode, ExitCode.InvalidInput);
    }
  }
  if (globals.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return exitCode;
}
