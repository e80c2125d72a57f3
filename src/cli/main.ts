import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../errors/gameday-error.js';
import { VERSION } from '../version.js';
import { reportError, type GlobalOptions } from './output.js';
import { parseDurationArg, parseIntArg, parsePositive, parsePositiveInt, parseUrlArg, runOptions, withQueueOptions } from './options.js';
import { quietOnBrokenPipes } from './broken-pipe.js';

const EXIT_CODES = `
Exit codes:
  0  passed
  1  an objective was missed, the system did not recover, or the steady state did not hold
  2  invalid input (experiment file, arguments)
  3  aborted (Ctrl-C, stop condition, halt)
  4  error (a fault did not land, or gameday itself failed)
  5  refused by a safety guard (account, region, opt-in, caps, scope); nothing was changed
  6  gameday audit --fail-on: a finding at or above the chosen severity
  7  a rollback failed past its retries: a fault may still be in place (the journal's outstandingUndo says where)`;

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  quietOnBrokenPipes();
  return command(argv);
}

async function command(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.Passed;
  const program = new Command('gameday')
    .description('Chaos engineering for AWS high-availability architectures: inject real faults, probe the steady state, measure recovery.')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces and debug logs', false)
    .option('--json', 'machine-readable output', false)
    .showHelpAfterError('(run gameday --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText(
      'after',
      `
Examples:
  $ gameday validate experiments/*.yaml
  $ gameday run experiments/terminate-one-instance.yaml --speed 60
  $ gameday schema > experiment.schema.json
${EXIT_CODES}`,
    );

  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const action =
    <A extends unknown[]>(load: () => Promise<(g: GlobalOptions, ...args: A) => Promise<number>>) =>
    async (...args: A): Promise<void> => {
      try {
        exitCode = await (await load())(globals(), ...args);
      } catch (error) {
        exitCode = reportError(error, globals());
      }
    };

  program
    .command('validate')
    .description('Check experiment files without running anything (no AWS call).')
    .argument('<files...>', 'experiment files (YAML or JSON)')
    .addHelpText('after', '\nExample:\n  $ gameday validate experiments/*.yaml\n')
    .action(action(async () => (await import('./validate.js')).validateCommand));

  runOptions(program.command('run').description('Run an experiment in this process and write its journal.'))
    .option('--queue', 'enqueue the run for a worker (gameday worker) and follow it here', false)
    .addHelpText(
      'after',
      `
Examples:
  $ gameday run experiments/terminate-one-instance.yaml --speed 60
  $ gameday run experiments/stop-half-fleet.yaml --journal out/journal.json --json
  $ REDIS_URL=redis://redis.internal:6379 gameday run my-experiment.yaml --queue
${EXIT_CODES}`,
    )
    .action(action(async () => (await import('./run.js')).runCommand));

  runOptions(program.command('submit').description('Enqueue an experiment run for a worker and follow it (gameday run --queue).')).action(
    action(async () => {
      const { runCommand } = await import('./run.js');
      return (g: GlobalOptions, file: string, o: Parameters<typeof runCommand>[2]) => runCommand(g, file, { ...o, queue: true });
    }),
  );

  withQueueOptions(
    program
      .command('worker')
      .description('Run queued experiments until Ctrl-C (which aborts the runs in progress; rollbacks run).')
      .addOption(new Option('--concurrency <n>', 'runs at once').argParser((v) => parsePositiveInt(v, '--concurrency')).default(1))
      .option('--results <dir>', 'directory for journals', 'gameday-results')
      .addOption(
        new Option('--lease <duration>', "how long a silent worker's runs and locks last before another worker undoes them")
          .argParser((v) => parseDurationArg(v, '--lease'))
          .default(30_000, '30s'),
      )
      .addOption(
        new Option(
          '--grace <duration>',
          'after SIGTERM or SIGINT, how long to wait for rollbacks and Redis before exiting anyway (exit code 4 names the runs left)',
        )
          .argParser((v) => parseDurationArg(v, '--grace'))
          .default(30_000, '30s'),
      )
      .addHelpText(
        'after',
        `
Examples:
  $ gameday worker --concurrency 4
  $ gameday worker --redis redis+sentinel://sentinel-1:26379,sentinel-2:26379/mymaster --grace 1m
  $ REDIS_URL=redis://redis.internal:6379 gameday worker
`,
      )
      .action(action(async () => (await import('./worker.js')).workerCommand)),
  );

  withQueueOptions(
    program
      .command('status')
      .description("A queued run's state, phase, verdict and live probe metrics (the newest run by default).")
      .argument('[run]', 'run id')
      .action(action(async () => (await import('./status.js')).statusCommand)),
  );

  withQueueOptions(
    program
      .command('list')
      .description('Queued, running and finished runs, newest first, with their verdicts.')
      .addOption(new Option('--limit <n>', 'at most this many runs').argParser((v) => parsePositiveInt(v, '--limit')).default(50))
      .action(action(async () => (await import('./list.js')).listCommand)),
  );

  withQueueOptions(
    program
      .command('abort')
      .description('Abort a queued run; its worker runs the rollbacks.')
      .argument('<run>', 'run id')
      .action(action(async () => (await import('./abort.js')).abortCommand)),
  );

  withQueueOptions(
    program
      .command('halt')
      .description('Kill switch: every worker aborts its runs (rollbacks run) and refuses new ones until gameday resume.')
      .option('--reason <text>', 'why, shown to everyone who is refused', 'halted by an operator')
      .action(action(async () => (await import('./halt.js')).haltCommand)),
  );

  withQueueOptions(
    program
      .command('resume')
      .description('Lift the kill switch set by gameday halt.')
      .action(action(async () => (await import('./resume.js')).resumeCommand)),
  );

  const schedule = program.command('schedule').description('Game days on a schedule: experiments run by the workers at cron times.');
  withQueueOptions(
    schedule
      .command('add')
      .description('Register (or replace) a schedule whose game days run these experiments, in sequence unless --parallel.')
      .argument('<name>', 'name of the schedule')
      .argument('<files...>', 'experiment files (validated now; their text is stored, so any worker can run them)')
      .requiredOption('--cron <pattern>', 'cron pattern: five fields ("0 10 * * TUE"), or six with seconds first')
      .option('--tz <zone>', 'IANA time zone of the pattern (default: UTC)')
      .addOption(
        new Option('--jitter <duration>', 'start each game day after a random delay up to this')
          .argParser((v) => parseDurationArg(v, '--jitter'))
          .default(0, '0s'),
      )
      .option('--parallel', 'run the experiments at once instead of one after the other', false)
      .addOption(new Option('--speed <n>', 'sim: run the simulated region n times faster than AWS').argParser((v) => parsePositive(v, '--speed')))
      .option('--topology <file>', 'sim: topology of the simulated region (default: the reference architecture)')
      .addHelpText(
        'after',
        `
Example:
  $ gameday schedule add weekly --cron "0 10 * * TUE" --tz Europe/Berlin --jitter 10m experiments/stop-half-fleet.yaml experiments/rds-failover.yaml
`,
      )
      .action(action(async () => (await import('./schedule.js')).scheduleAddCommand)),
  );
  withQueueOptions(
    schedule
      .command('list')
      .description('Schedules with their cron pattern, time zone, next game day and experiments.')
      .action(action(async () => (await import('./schedule.js')).scheduleListCommand)),
  );
  withQueueOptions(
    schedule
      .command('remove')
      .description('Remove a schedule; game days already running go on.')
      .argument('<name>', 'name of the schedule')
      .action(action(async () => (await import('./schedule.js')).scheduleRemoveCommand)),
  );

  const freeze = program.command('freeze').description('Freeze windows: periods in which no experiment starts.');
  withQueueOptions(
    freeze
      .command('add')
      .description('Declare (or replace) a window in which every run that would start is refused.')
      .argument('<name>', 'name of the window')
      .requiredOption('--from <instant>', 'start: ISO 8601 with a time zone (2026-12-20T00:00Z), or now')
      .requiredOption('--to <instant>', 'end: ISO 8601 with a time zone, or a duration after --from (10h, PT10H)')
      .option('--reason <text>', 'why, shown to everyone who is refused')
      .addHelpText(
        'after',
        `
Example:
  $ gameday freeze add holidays --from now --to P14D --reason "holiday freeze"
`,
      )
      .action(action(async () => (await import('./freeze.js')).freezeAddCommand)),
  );
  withQueueOptions(
    freeze
      .command('list')
      .description('Declared freeze windows and whether each is in effect.')
      .action(action(async () => (await import('./freeze.js')).freezeListCommand)),
  );
  withQueueOptions(
    freeze
      .command('remove')
      .description('Remove a freeze window.')
      .argument('<name>', 'name of the window')
      .action(action(async () => (await import('./freeze.js')).freezeRemoveCommand)),
  );

  withQueueOptions(
    program
      .command('dashboard')
      .description(
        'Serve a web page of runs (live, and their reports), halt state, schedules, freeze windows and the audit trail, where operators halt, resume, abort, run now and pause schedules.',
      )
      .addOption(new Option('--port <p>', 'port (0: any free port)').argParser((v) => parseIntArg(v, '--port')).default(8090))
      .option('--host <address>', 'address to listen on (another than loopback needs a token or --trust-proxy-header)', '127.0.0.1')
      .option('--token-file <file>', 'file holding the token the log-in page asks for (default: $GAMEDAY_DASHBOARD_TOKEN)')
      .option('--trust-proxy-header <name>', "take the user's name from this header a reverse proxy sets (e.g. X-Forwarded-User)")
      .option('--experiments <dir>', 'offer the experiment files under this directory to run now')
      .addHelpText(
        'after',
        '\nExamples:\n  $ gameday dashboard --port 8090\n  $ gameday dashboard --port 8090 --experiments experiments\n\nOn another address than loopback, give it a token (--token-file FILE or GAMEDAY_DASHBOARD_TOKEN) or put it behind a\nreverse proxy that signs users in (--trust-proxy-header X-Forwarded-User).\n',
      )
      .action(action(async () => (await import('./dashboard.js')).dashboardCommand)),
  );

  program
    .command('plan')
    .description('Show what a run would touch and whether the safety guards allow it, with read-only calls only.')
    .argument('<file>', 'experiment file (YAML or JSON)')
    .addOption(new Option('--seed <n>', 'seed of target selection (the pick a run with this seed makes)').argParser((v) => parseIntArg(v, '--seed')))
    .addOption(new Option('--speed <n>', 'sim: run the simulated region n times faster than AWS').argParser((v) => parsePositive(v, '--speed')))
    .option('--topology <file>', 'sim: topology of the simulated region (default: the reference architecture)')
    .option('--profile <name>', 'aws: named profile of the credentials (default: environment.profile, then $AWS_PROFILE)')
    .option('--via-fis', 'plan the run `run --via-fis` makes: the faults as one FIS experiment, its targets pinned to what the plan chose', false)
    .option('--fis-role-arn <arn>', 'the FIS service role of that template (default: environment.fisRoleArn)')
    .addHelpText(
      'after',
      `
Example:
  $ gameday plan experiments/az-outage.yaml
${EXIT_CODES}`,
    )
    .action(action(async () => (await import('./plan.js')).planCommand));

  program
    .command('policy')
    .description('Print the least-privilege IAM policy for the given experiments (every action and probe when none is given).')
    .argument('[files...]', 'experiment files (YAML or JSON)')
    .option('--opt-in-tag <key=value>', 'the tag a resource must carry before gameday may change it', 'gameday:allowed=true')
    .addHelpText(
      'after',
      `
Examples:
  $ gameday policy > gameday-policy.json
  $ gameday policy experiments/az-outage.yaml
`,
    )
    .action(action(async () => (await import('./policy.js')).policyCommand));

  program
    .command('doctor')
    .description('Check that gameday can work here: region, endpoint, credentials, identity, permissions, Redis. Changes nothing.')
    .argument('[file]', 'experiment file: check the world its environment section names, and the permissions its steps need')
    .addOption(new Option('--environment <type>', "world to check (default: the file's, else sim)").choices(['sim', 'localstack', 'aws']))
    .addOption(
      new Option('--endpoint <url>', 'endpoint of every AWS service (default for sim: http://127.0.0.1:4566)').argParser((v) => parseUrlArg(v, '--endpoint')),
    )
    .option('--region <name>', 'AWS region (default: environment.region, then $AWS_REGION)')
    .option('--profile <name>', 'aws: named profile of the credentials (default: environment.profile, then $AWS_PROFILE)')
    .option('--redis <url>', 'Redis of the queue to check (default: $REDIS_URL; not checked without one)')
    .option('--strict', 'warnings fail too', false)
    .addHelpText(
      'after',
      `
Examples:
  $ gameday doctor                                      # a \`gameday sim\` on port 4566
  $ gameday doctor --environment aws --profile chaos    # a live account, read-only and dry runs
  $ gameday doctor experiments/terminate-one-instance.yaml --json
Exit code: 0 when no check failed (warnings allowed unless --strict), 1 otherwise, 2 for invalid input.`,
    )
    .action(action(async () => (await import('./doctor.js')).doctorCommand));

  withQueueOptions(
    program
      .command('undo')
      .description(
        "Finish a run's outstanding undo: from the queue's undo log (a run whose worker is gone, or whose rollback failed), or from the journal of a run that had no queue (--journal).",
      )
      .argument('[run]', 'run id on the queue')
      .option('--journal <file>', 'instead of a run id: the journal of a run in this process (its outstandingUndo)')
      .option(
        '--results <dir>',
        "directory for the journal of a run whose worker was lost (a finished run's journal is rewritten where it is)",
        'gameday-results',
      )
      .option('--yes', 'aws: finish the undo without asking for confirmation', false)
      .addOption(
        new Option('--rollback-timeout <duration>', '--journal: wall-clock deadline of each step, its retries included')
          .argParser((v) => parseDurationArg(v, '--rollback-timeout'))
          .default(300_000, '5m'),
      )
      .addHelpText(
        'after',
        `
Examples:
  $ gameday undo RUN
  $ gameday undo --journal gameday-results/gd-20260101T000000Z-abc123.json
Exit code 0 when everything the run injected is undone; 7 (rollback-failed), naming each resource still faulted,
otherwise. 'gameday list' shows the runs; 'gameday status RUN' says when a run's undo is outstanding.
${EXIT_CODES}`,
      )
      .action(action(async () => (await import('./undo.js')).undoCommand)),
  );

  program
    .command('report')
    .description('Render stored journals: a text summary, Markdown for a CI step summary, JUnit XML, JSON, or a self-contained HTML page.')
    .argument('<journals...>', 'journal files written by run')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'md', 'junit', 'json', 'html']).default('text'))
    .option('--out <file>', 'write the report to this file instead of standard output')
    .option('--compare', 'show how recovery times of each experiment changed across the runs (Markdown, or a chart with --format html)', false)
    .addHelpText(
      'after',
      `
Examples:
  $ gameday report gameday-results/gd-*.json --format md >> "$GITHUB_STEP_SUMMARY"
  $ gameday report gameday-results/*.json --compare
  $ gameday report gameday-results/*.json --format html --out runs.html   # runs side by side, recovery-time trend
  $ gameday report gameday-results/*.json --format junit --out reports/gameday.xml
Exit code: 0 when every run passed, 1 otherwise, 2 when a file is not a journal.`,
    )
    .action(action(async () => (await import('./report.js')).reportCommand));

  program
    .command('sim')
    .description('Start a simulated AWS region on loopback and keep it running until Ctrl-C.')
    .option('--topology <file>', 'topology YAML or CloudFormation template (default: the reference architecture: 3 AZs, an ALB, an ASG of 3)')
    .option(
      '--parameter <key=value>',
      'CloudFormation topology: override a parameter default (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--stack-name <name>', 'CloudFormation topology: AWS::StackName (default: the template file name)')
    .addOption(new Option('--speed <n>', 'divide every AWS duration by n (default: $GAMEDAY_SPEED, else 1)').argParser((v) => parsePositive(v, '--speed')))
    .addOption(new Option('--seed <n>', "seed of the region's timing draws (docs/fidelity.md); default random").argParser((v) => parseIntArg(v, '--seed')))
    .option('--fidelity', "print the region's timings and behaviours with their AWS sources (docs/fidelity.md), then exit", false)
    .addOption(new Option('--port <p>', 'port of the API endpoint on 127.0.0.1 (0: any free port)').argParser((v) => parseIntArg(v, '--port')).default(4566))
    .addHelpText(
      'after',
      `
Examples:
  $ gameday sim --speed 10
  $ gameday sim --topology infra/reference-architecture.yaml --parameter MinSize=4 --parameter DesiredCapacity=4   # outputs as \${sim:stack.<OutputKey>}
  $ AWS_ENDPOINT_URL=http://127.0.0.1:4566 aws ec2 describe-instances   # any SDK or CLI, any credentials
  $ gameday run experiment.yaml   # with environment: { type: sim, endpoint: http://127.0.0.1:4566 }
`,
    )
    .action(action(async () => (await import('./sim.js')).simCommand));

  program
    .command('audit')
    .description(
      "Judge an architecture against the high-availability playbook (zones, load balancing, database, DNS, deployments, network) with read-only calls; --prove runs each finding's experiment on a simulated twin.",
    )
    .option('--account', 'read the account of the credentials (AWS_PROFILE, --profile, --role-arn), read-only', false)
    .addOption(
      new Option('--endpoint <url>', 'read the account behind this endpoint (a gameday sim, moto, LocalStack)').argParser((v) => parseUrlArg(v, '--endpoint')),
    )
    .option('--template <file>', 'read a CloudFormation template, loaded into a simulated region')
    .option('--topology <file>', 'read a simulated-region topology')
    .option(
      '--region <name>',
      'account: AWS Region (default: $AWS_REGION); repeat it to read several Regions, the first the twin’s home',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--regions <list>', 'account: several AWS Regions, comma-separated (after any --region)')
    .option('--profile <name>', 'account: named profile of the credentials')
    .option('--role-arn <arn>', 'account: role to assume for the reading')
    .option('--allowed-account <ids...>', 'account: refuse to read any other account')
    .addOption(
      new Option('--rto <duration>', 'recovery time objective the findings and experiments use')
        .argParser((v) => parseDurationArg(v, '--rto'))
        .default(300_000, '5m'),
    )
    .option(
      '--need <group=n>',
      'in-service instances an Auto Scaling group must keep (repeatable; default: its minimum)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown', 'html']).default('text'))
    .option('-o, --output <file>', 'write the report to this file instead of standard output')
    .addOption(new Option('--fail-on <severity>', 'exit 6 when a finding is at or above this severity').choices(['critical', 'high', 'medium', 'low']))
    .option('--write-experiments <dir>', "write the twin topology (twin.yaml) and every finding's experiment into this directory")
    .option('--prove', "run every finding's experiment on the twin and report it confirmed or refuted, with the measured numbers", false)
    .addOption(
      new Option('--speed <n>', "prove: run each twin n times faster than AWS (default: each experiment's, or $GAMEDAY_SPEED)").argParser((v) =>
        parsePositive(v, '--speed'),
      ),
    )
    .option('--results <dir>', 'prove: directory for the journals (default: a new temporary directory, named on stderr)')
    .option('--audit-log <file>', 'append every AWS call of the reading to this file, one JSON line each')
    .addHelpText(
      'after',
      `
Examples:
  $ gameday audit --topology experiments/topologies/reference.yaml
  $ gameday audit --template infra/fragile-architecture.yaml --prove --format html -o audit.html
A live account, read-only, failing CI on a high finding:
  gameday audit --account --allowed-account 123456789012 --profile prod --fail-on high
Exit code: 0, or 6 when a finding is at or above --fail-on; 2 for invalid input, 5 when a guard refuses the account.`,
    )
    .action(action(async () => (await import('./audit.js')).auditCommand));

  program
    .command('twin')
    .description('Read an account (or a template or topology) with read-only calls and write the topology of a simulated twin of it.')
    .addOption(
      new Option('--endpoint <url>', 'endpoint of every AWS service (LocalStack, moto, a running gameday sim)').argParser((v) => parseUrlArg(v, '--endpoint')),
    )
    .option(
      '--region <name>',
      'AWS Region (default: $AWS_REGION, then us-east-1); repeat it to read several Regions, the first the twin’s home',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--regions <list>', 'several AWS Regions, comma-separated (after any --region)')
    .option('--profile <name>', 'named profile of the credentials (default: $AWS_PROFILE, then the SDK chain)')
    .option('--role-arn <arn>', 'assume this role for every call')
    .option('--allowed-account <ids...>', 'accounts the credentials may belong to; anything else is refused before any read')
    .option('--template <file>', 'a CloudFormation template: read a simulated region started with it')
    .option('--topology <file>', 'a sim topology: read a simulated region started with it')
    .option('-o, --output <file>', 'where to write the twin (default: stdout)')
    .option('--audit-log <file>', 'every AWS call, one JSON line each (default: beside the output)')
    .addHelpText(
      'after',
      `
Examples:
  $ gameday twin --template infra/fragile-architecture.yaml -o fragile-twin.yaml
  $ gameday twin --endpoint http://127.0.0.1:4566 -o twin.yaml
Of a live account, read-only, then served on loopback:
  gameday twin --profile prod-read --allowed-account 123456789012 -o prod-twin.yaml
  gameday sim --topology prod-twin.yaml
Exit code: 0 when the twin was written, 2 for invalid input, 5 when the account is not allowed.`,
    )
    .action(action(async () => (await import('./twin.js')).twinCommand));

  const fis = program.command('fis').description('AWS Fault Injection Service: experiment templates from gameday experiments, and back.');
  fis
    .command('export')
    .description("Write the FIS experiment template of an experiment's faults (what FIS cannot express is named on stderr).")
    .argument('<file>', 'experiment file (YAML or JSON)')
    .option('--role-arn <arn>', 'the FIS service role (default: environment.fisRoleArn)')
    .option('--account <id>', 'account of resources named by id and of alarms (default: environment.allowedAccountIds when it has one)')
    .option('--out <file>', 'write the template to this file instead of standard output')
    .addHelpText(
      'after',
      `
Example:
  $ gameday fis export experiments/stop-half-fleet.yaml --role-arn arn:aws:iam::123456789012:role/gameday-fis --out template.json
  $ aws fis create-experiment-template --cli-input-json file://template.json
`,
    )
    .action(action(async () => (await import('./fis.js')).fisExportCommand));
  fis
    .command('import')
    .description('Write a gameday experiment with the faults of an FIS experiment template, and probes to fill in.')
    .argument('<template>', 'template JSON (the CreateExperimentTemplate body, or aws fis get-experiment-template output)')
    .option('--out <file>', 'write the experiment to this file instead of standard output')
    .option('--name <name>', "name of the experiment (default: the template's gameday:experiment tag)")
    .addHelpText(
      'after',
      `
Example:
  $ aws fis get-experiment-template --id EXT1a2b3c4d5e6f7 > template.json
  $ gameday fis import template.json --out experiments/from-fis.yaml
`,
    )
    .action(action(async () => (await import('./fis.js')).fisImportCommand));

  program
    .command('schema')
    .description('Print the JSON Schema of experiment files (or of journals).')
    .option('--journal', 'print the journal schema instead', false)
    .addHelpText('after', '\nExample:\n  $ gameday schema > experiment.schema.json\n')
    .action(action(async () => (await import('./schema.js')).schemaCommand));

  program
    .command('capabilities')
    .description('Show where each action and probe works: sim, moto, LocalStack free and paid, AWS (docs/capabilities.md).')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .addHelpText('after', '\nExample:\n  $ gameday capabilities > docs/capabilities.md\n')
    .action(action(async () => (await import('./capabilities.js')).capabilitiesCommand));

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.Passed;
      // Thrown by our own argument parsers, which commander passes on without printing.
      if (error.code === 'gameday.invalidArgument') process.stderr.write(`${error.message}\n`);
      return ExitCode.InvalidInput;
    }
    return reportError(error, { debug: argv.includes('--debug'), json: argv.includes('--json') });
  }
  return exitCode;
}
