import { readFile, writeFile } from 'node:fs/promises';
import { Document, isSeq } from 'yaml';
import { fromFisTemplate, type Unexpressed } from '../actions/fis/convert.js';
import { fisTemplate } from '../actions/fis/template.js';
import { ExitCode } from '../errors/gameday-error.js';
import { loadExperimentFile, type LoadedExperiment } from '../experiment/load.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { Registry } from '../registry/registry.js';
import type { GlobalOptions } from './output.js';
import { worldOutputs } from './run-setup.js';
import { exportContext, invalid, templateOf } from './via-fis.js';

export interface FisExportOptions {
  roleArn?: string;
  account?: string;
  out?: string;
}

const describeUnexpressed = (u: Unexpressed): string => `not expressed in the template: ${u.what}: ${u.reason}.`;

/** Loads an experiment for conversion: validated, `${sim:…}` from its topology's placeholders. */
async function loadForConversion(file: string, registry: Registry): Promise<{ loaded: LoadedExperiment; outputs: Record<string, string> | undefined }> {
  // A sim experiment is loaded against its topology's outputs, which also give the region and account.
  let outputs: Record<string, string> | undefined;
  const loaded = await loadExperimentFile(file, { registry, simOutputs: async (topology, endpoint) => (outputs = await worldOutputs(topology, endpoint)) });
  return { loaded, outputs };
}

/** `gameday fis export FILE`: the FIS experiment template of the experiment's faults; what FIS cannot express is named. */
export async function fisExportCommand(globals: GlobalOptions, file: string, options: FisExportOptions): Promise<number> {
  const { loaded, outputs } = await loadForConversion(file, defaultRegistry());
  const { template, unexpressed } = templateOf(loaded, exportContext(loaded, outputs, options));
  const text = `${JSON.stringify(template, null, 2)}\n`;
  if (Object.keys(template.actions).length === 0)
    throw invalid(`${file}: FIS can express none of this experiment's faults: ${unexpressed.map(describeUnexpressed).join(' ')}`);
  if (options.out === undefined) process.stdout.write(text);
  else await writeFile(options.out, text);
  for (const u of unexpressed) process.stderr.write(`warning: ${describeUnexpressed(u)}\n`);
  if (options.out !== undefined && !globals.json)
    process.stderr.write(
      `wrote ${options.out}: ${Object.keys(template.targets).length} target(s), ${Object.keys(template.actions).length} action(s); create it with: aws fis create-experiment-template --cli-input-json file://${options.out}\n`,
    );
  return ExitCode.Passed;
}

/** `gameday fis import TEMPLATE.json`: a gameday experiment with the template's faults, and probes to fill in. */
export async function fisImportCommand(globals: GlobalOptions, file: string, options: { out?: string; name?: string }): Promise<number> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw invalid(code === 'ENOENT' ? `${file} does not exist.` : `${file} is not JSON: ${(error as Error).message}.`);
  }
  // Accepts the CreateExperimentTemplate body, or what `aws fis get-experiment-template` prints.
  const body = typeof json === 'object' && json !== null && 'experimentTemplate' in json ? (json as { experimentTemplate: unknown }).experimentTemplate : json;
  const parsed = fisTemplate.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`${file}: ${issue?.path.join('.') || 'the template'}: ${issue?.message ?? 'is not an FIS experiment template'}.`);
  }
  let converted: ReturnType<typeof fromFisTemplate>;
  try {
    converted = fromFisTemplate(parsed.data);
  } catch (error) {
    throw invalid(`${file}: ${(error as Error).message}`);
  }
  const { faults, alarms, unexpressed } = converted;
  if (faults.length === 0)
    throw invalid(`${file}: none of the template's actions has a gameday equivalent: ${unexpressed.map((u) => `${u.what}: ${u.reason}.`).join(' ')}`);
  const t = parsed.data;
  const account = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(t.roleArn)?.[1];
  const region = [...Object.values(t.targets).flatMap((x) => x.resourceArns ?? []), ...t.stopConditions.map((s) => s.value ?? '')]
    .map((arn) => /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]+):/.exec(arn)?.[1])
    .find((r) => r !== undefined && r !== '');
  const groups = [
    ...new Set(faults.flatMap((f) => (f.targets?.tags?.['aws:autoscaling:groupName'] === undefined ? [] : [f.targets.tags['aws:autoscaling:groupName']]))),
  ];
  const databases = [
    ...new Set(faults.filter((f) => f.action.startsWith('aws.rds.') && f.targets?.type !== 'aws:rds:cluster').flatMap((f) => f.targets?.ids ?? [])),
  ];
  const name =
    (options.name ?? t.tags?.['gameday:experiment'] ?? t.tags?.Name ?? 'imported-fis-template').replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z]+/, '') ||
    'imported-fis-template';
  const experiment = {
    apiVersion: 'gameday/v1',
    metadata: { name, description: t.description, tags: ['fis-import'] },
    environment: { type: 'aws', ...(region === undefined ? {} : { region }), allowedAccountIds: account === undefined ? [] : [account], fisRoleArn: t.roleArn },
    probes: [
      { name: 'site', probe: 'http', args: { url: '${env:SITE_URL}', timeout: '2s' }, interval: '5s' },
      ...groups.map((g) => ({ name: `capacity-${g}`.slice(0, 63), probe: 'aws.asg.in-service', args: { autoScalingGroupName: g }, interval: '10s' })),
      ...databases.map((d) => ({ name: `db-${d}`.slice(0, 63), probe: 'aws.rds.status', args: { dbInstanceIdentifier: d }, interval: '10s' })),
    ],
    faults,
    ...(alarms.length === 0 ? {} : { stopConditions: alarms.map((a) => ({ alarm: a })) }),
    recovery: { stableFor: '1m', timeout: '15m' },
    objectives: {},
  };
  const doc = new Document(experiment);
  doc.commentBefore = ` Imported from the FIS experiment template ${file} by gameday fis import.
 Fill in before running: the site probe's URL (SITE_URL), the probes that show your steady state (a write ledger
 on your database, DNS, TCP), and objectives (rto, rpo). Check it with: gameday plan <this file>`;
  const probes = doc.get('probes', true);
  if (isSeq(probes)) probes.commentBefore = ' Probes to fill in: what your users see, and the AWS state behind it.';
  if (unexpressed.length > 0) doc.comment = ` Not imported (no gameday equivalent):\n${unexpressed.map((u) => ` - ${u.what}: ${u.reason}`).join('\n')}`;
  const text = doc.toString({ lineWidth: 120 });
  if (options.out === undefined) process.stdout.write(text);
  else await writeFile(options.out, text);
  for (const u of unexpressed) process.stderr.write(`warning: ${u.what} is not imported: ${u.reason}.\n`);
  if (options.out !== undefined && !globals.json)
    process.stderr.write(`wrote ${options.out}: ${faults.length} fault(s); fill in its probes and objectives, then: gameday plan ${options.out}\n`);
  return ExitCode.Passed;
}
