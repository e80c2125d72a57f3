import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ExperimentValidationError, formatIssue, type ValidationIssue } from '../../src/errors/validation-error.js';
import { parseExperiment, type LoadedExperiment } from '../../src/experiment/load.js';
import { parseSelection } from '../../src/experiment/selection.js';
import { httpProbe } from '../../src/probes/net/http.js';
import { tcpProbe } from '../../src/probes/net/tcp.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import { Registry } from '../../src/registry/registry.js';
import type { ActionDefinition } from '../../src/registry/types.js';
import { ROOT } from '../support/cli.js';

const FILE = 'exp.yaml';

/** A valid experiment every malformed case below is derived from by one small edit. */
const VALID = `apiVersion: gameday/v1
metadata:
  name: checkout-outage
  description: The checkout service refuses connections for 5s.
probes:
  - name: web
    probe: http
    args:
      url: http://127.0.0.1:8080/health
      timeout: 1s
    interval: 1s
  - name: port
    probe: tcp
    args:
      host: 127.0.0.1
      port: 8080
faults:
  - name: outage
    action: http.request
    args:
      url: http://127.0.0.1:8081/outage?for=5s
      expectStatus: [200]
recovery:
  stableFor: 3s
  timeout: 60s
objectives:
  rto: 10s
`;

/** Replaces exactly one occurrence of `from` (the edit must be unambiguous). */
function edit(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  assert.ok(at !== -1, `test setup: '${from}' not found`);
  assert.equal(text.indexOf(from, at + 1), -1, `test setup: '${from}' occurs more than once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** 1-based line and column of the first occurrence of `needle`, plus `skip` characters. */
function where(text: string, needle: string, skip = 0): { line: number; column: number } {
  const at = text.indexOf(needle);
  assert.ok(at !== -1, `test setup: '${needle}' not found`);
  const before = text.slice(0, at + skip).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

/** Where the value of `key: value` starts. */
const valueAt = (text: string, keyAndValue: string): { line: number; column: number } => where(text, keyAndValue, keyAndValue.indexOf(':') + 2);

function load(text: string, options: { env?: NodeJS.ProcessEnv; registry?: Registry; file?: string } = {}): LoadedExperiment {
  return parseExperiment(text, options.file ?? FILE, { registry: options.registry ?? defaultRegistry(), env: options.env ?? {} });
}

/**
 * Parses `text`, expects it to be refused, and checks what every refusal must be: an `ExperimentValidationError`
 * whose issues name the file and read as one sentence each (no newline, no stack trace).
 */
function refuse(text: string, options: { env?: NodeJS.ProcessEnv; registry?: Registry; file?: string } = {}): ValidationIssue[] {
  let caught: unknown;
  try {
    load(text, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof ExperimentValidationError,
    `expected an ExperimentValidationError, got ${caught instanceof Error ? caught.stack : String(caught)}`,
  );
  assert.ok(caught.issues.length > 0, 'a refusal lists at least one problem');
  assert.equal(caught.exitCode, 2);
  for (const issue of caught.issues) {
    const sentence = formatIssue(issue);
    assert.equal(issue.file, options.file ?? FILE);
    assert.doesNotMatch(sentence, /\n/, `one line: ${JSON.stringify(sentence)}`);
    assert.doesNotMatch(sentence, / {4}at /, `no stack trace: ${sentence}`);
    assert.ok(sentence.startsWith(issue.line === undefined ? `${issue.file}: ` : `${issue.file}:${issue.line}:${issue.column ?? 1}`), sentence);
    if (issue.path !== '') assert.ok(sentence.includes(` at ${issue.path}: `), sentence);
    assert.ok(issue.message.trim().length > 0, 'a message says what is wrong');
  }
  assert.doesNotMatch(caught.message, /\n/, 'the error message is one line');
  return [...caught.issues];
}

/** The one issue at `path`; fails listing every issue otherwise. */
function issueAt(issues: readonly ValidationIssue[], path: string): ValidationIssue {
  const found = issues.filter((i) => i.path === path);
  assert.equal(found.length, 1, `expected one issue at '${path}', got:\n${issues.map(formatIssue).join('\n')}`);
  return found[0] as ValidationIssue;
}

function assertAt(issue: ValidationIssue, at: { line: number; column: number }): void {
  assert.deepEqual({ line: issue.line, column: issue.column }, at, formatIssue(issue));
}

describe('experiment validation: every malformed file is refused with file, line:column and field path', () => {
  it('accepts the base experiment the malformed cases are derived from', () => {
    const { experiment } = load(VALID);
    assert.equal(experiment.metadata.name, 'checkout-outage');
  });

  describe('broken YAML', () => {
    it('reports a key indented less than its siblings on its own line', () => {
      const text = `apiVersion: gameday/v1
metadata:
  name: checkout-outage
 description: misaligned
probes: []
`;
      const [issue, ...rest] = refuse(text);
      assert.equal(rest.length, 0);
      assert.ok(issue !== undefined);
      assert.equal(issue.line, 4, formatIssue(issue));
      assert.equal(issue.path, '');
      assert.match(issue.message, /^broken YAML: /);
      assert.match(issue.message, /column|indent/i);
    });

    it('reports an unclosed bracket on the line that opens it', () => {
      const text = `apiVersion: gameday/v1
metadata:
  name: checkout-outage
  tags: [demo, http
probes:
  - name: web
`;
      const [issue, ...rest] = refuse(text);
      assert.equal(rest.length, 0);
      assert.ok(issue !== undefined);
      assert.equal(issue.path, '');
      assert.match(issue.message, /^broken YAML: /);
      assert.match(issue.message, /\]/, 'says which bracket is missing');
      // The '[' that is never closed is on line 4; line 5 (`probes:`) is where the parser gave up.
      assert.equal(issue.line, 4, `the unclosed '[' is on line 4: ${formatIssue(issue)}`);
    });
  });

  it('refuses an empty file, and one holding only comments, naming the fields an experiment needs', () => {
    for (const text of ['', '\n\n', '# nothing here yet\n']) {
      const [issue, ...rest] = refuse(text);
      assert.equal(rest.length, 0);
      assert.ok(issue !== undefined);
      assert.equal(issue.path, '');
      assert.match(issue.message, /empty/);
      assert.match(issue.message, /apiVersion/);
      assert.equal(formatIssue(issue), `${FILE}: ${issue.message}`);
    }
  });

  it('refuses a list where the document map belongs', () => {
    const [issue, ...rest] = refuse('- apiVersion: gameday/v1\n- metadata: {name: x}\n');
    assert.equal(rest.length, 0);
    assert.ok(issue !== undefined);
    assertAt(issue, { line: 1, column: 1 });
    assert.match(issue.message, /must be a map/);
    assert.match(issue.message, /not a list/);
  });

  it('refuses a list where a map field belongs (metadata: [a, b])', () => {
    const text = edit(VALID, 'metadata:\n  name: checkout-outage\n  description: The checkout service refuses connections for 5s.\n', 'metadata: [a, b]\n');
    const issue = issueAt(refuse(text), 'metadata');
    assertAt(issue, valueAt(text, 'metadata: [a, b]'));
    assert.match(issue.message, /expected a map, got a list/);
    assert.equal(formatIssue(issue), `${FILE}:2:11 at metadata: expected a map, got a list`);
  });

  describe('unknown fields', () => {
    it('suggests the field a top-level typo meant (metdata → metadata), pointing at the key', () => {
      const text = edit(VALID, 'metadata:', 'metdata:');
      const issue = issueAt(refuse(text), 'metdata');
      assertAt(issue, where(text, 'metdata:'));
      assert.match(issue.message, /unknown field 'metdata' \(did you mean 'metadata'\?\)/);
    });

    it("suggests the argument a typo inside a probe's args meant (timout → timeout)", () => {
      const text = edit(VALID, 'timeout: 1s', 'timout: 1s');
      const issue = issueAt(refuse(text), 'probes[0].args.timout');
      assertAt(issue, where(text, 'timout'));
      assert.match(issue.message, /unknown field 'timout' \(did you mean 'timeout'\?\)/);
    });

    it('refuses targets on an action that acts on no target type', () => {
      const text = edit(VALID, '      expectStatus: [200]\n', '      expectStatus: [200]\n    targets:\n      ids: [i-0123]\n      selection: COUNT(1)\n');
      const issue = issueAt(refuse(text), 'faults[0].targets');
      assertAt(issue, where(text, 'targets:'));
      assert.match(issue.message, /unknown field 'targets'/);
    });
  });

  describe('wrong types', () => {
    it('says a duration field needs a duration with a unit (interval: 5)', () => {
      const text = edit(VALID, 'interval: 1s', 'interval: 5');
      const issue = issueAt(refuse(text), 'probes[0].interval');
      assertAt(issue, valueAt(text, 'interval: 5'));
      assert.match(issue.message, /got number 5/);
      // "expected a string" is true of YAML but useless: the user needs to hear that a unit is missing.
      assert.match(issue.message, /duration/, `names the kind of value expected: ${formatIssue(issue)}`);
      assert.match(issue.message, /\d+(ms|s)\b/, `shows an example with a unit: ${formatIssue(issue)}`);
    });

    it('says a port must be a number (port: "abc")', () => {
      const text = edit(VALID, 'port: 8080', 'port: "abc"');
      const issue = issueAt(refuse(text), 'probes[1].args.port');
      assertAt(issue, valueAt(text, 'port: "abc"'));
      assert.match(issue.message, /expected a number, got 'abc'/);
    });
  });

  describe('unknown action and probe ids', () => {
    it('suggests the action a typo meant (http.requst → http.request)', () => {
      const text = edit(VALID, 'action: http.request', 'action: http.requst');
      const issue = issueAt(refuse(text), 'faults[0].action');
      assertAt(issue, valueAt(text, 'action: http.requst'));
      assert.match(issue.message, /unknown action 'http\.requst'/, formatIssue(issue));
      assert.match(issue.message, /did you mean 'http\.request'\?/, formatIssue(issue));
      assert.doesNotMatch(issue.message, /required/, 'the action is present, only unknown');
    });

    it('lists the known actions for an id that resembles none', () => {
      const text = edit(VALID, 'action: http.request', 'action: nuke.everything');
      const issue = issueAt(refuse(text), 'faults[0].action');
      assertAt(issue, valueAt(text, 'action: nuke.everything'));
      assert.match(issue.message, /unknown action 'nuke\.everything'/, formatIssue(issue));
      assert.match(issue.message, /http\.request/);
      assert.match(issue.message, /process\.exec/);
      assert.doesNotMatch(issue.message, /did you mean/);
    });

    it('names an unknown probe id and the known ones (icmp; htp → http)', () => {
      const text = edit(VALID, 'probe: http', 'probe: icmp');
      const issue = issueAt(refuse(text), 'probes[0].probe');
      assertAt(issue, valueAt(text, 'probe: icmp'));
      assert.match(issue.message, /unknown probe 'icmp'/, formatIssue(issue));
      assert.match(issue.message, /http/);
      assert.match(issue.message, /tcp/);
      const typo = issueAt(refuse(edit(VALID, 'probe: http', 'probe: htp')), 'probes[0].probe');
      assert.match(typo.message, /unknown probe 'htp'.*did you mean 'http'\?/, formatIssue(typo));
    });

    it('still says "required" when the action is missing altogether', () => {
      const text = edit(VALID, '    action: http.request\n', '');
      const issue = issueAt(refuse(text), 'faults[0].action');
      // The field is absent, so the location is the fault that lacks it.
      assertAt(issue, where(text, 'name: outage'));
      const known = defaultRegistry()
        .actions.map((a) => a.id)
        .join(', ');
      assert.equal(issue.message, `action is required (one of ${known})`);
      assert.match(known, /http\.request, process\.exec/);
    });
  });

  describe("arguments that do not fit the action's schema", () => {
    it('http.request url: not-a-url', () => {
      const text = edit(VALID, 'url: http://127.0.0.1:8081/outage?for=5s', 'url: not-a-url');
      const issue = issueAt(refuse(text), 'faults[0].args.url');
      assertAt(issue, valueAt(text, 'url: not-a-url'));
      assert.match(issue.message, /http:\/\/ or https:\/\/ URL/);
    });

    it('process.exec command: []', () => {
      const text = edit(
        VALID,
        '    action: http.request\n    args:\n      url: http://127.0.0.1:8081/outage?for=5s\n      expectStatus: [200]\n',
        '    action: process.exec\n    args:\n      command: []\n',
      );
      const issue = issueAt(refuse(text), 'faults[0].args.command');
      assertAt(issue, valueAt(text, 'command: []'));
      assert.match(issue.message, /command needs at least the program to run/);
    });

    it('process.exec without its required command', () => {
      const text = edit(
        VALID,
        '    action: http.request\n    args:\n      url: http://127.0.0.1:8081/outage?for=5s\n      expectStatus: [200]\n',
        '    action: process.exec\n    args:\n      timeout: 5s\n',
      );
      const issue = issueAt(refuse(text), 'faults[0].args.command');
      // The field is absent, so the location is the args map that lacks it.
      assertAt(issue, where(text, 'timeout: 5s'));
      assert.match(issue.message, /required/);
    });
  });

  it('refuses a duration with an unknown unit (5 parsecs), naming the unit and the ones it knows', () => {
    const text = edit(VALID, 'interval: 1s', 'interval: 5 parsecs');
    const issue = issueAt(refuse(text), 'probes[0].interval');
    assertAt(issue, valueAt(text, 'interval: 5 parsecs'));
    assert.match(issue.message, /unknown unit 'parsecs'/);
    assert.match(issue.message, /ms, s, m or h/);
  });

  describe('target selection', () => {
    it('parseSelection refuses a negative or zero count and a percentage outside (0, 100]', () => {
      const count = parseSelection('COUNT(-1)');
      assert.equal(count.ok, false);
      assert.match(count.ok ? '' : count.reason, /COUNT\(-1\) needs a whole number of at least 1/);
      assert.equal(parseSelection('COUNT(0)').ok, false);
      assert.equal(parseSelection('COUNT(1.5)').ok, false);
      const percent = parseSelection('PERCENT(150)');
      assert.equal(percent.ok, false);
      assert.match(percent.ok ? '' : percent.reason, /PERCENT\(150\) must be more than 0 and at most 100/);
      assert.equal(parseSelection('PERCENT(0)').ok, false);
      assert.deepEqual(parseSelection('PERCENT(100)'), { ok: true, value: { mode: 'PERCENT', percent: 100 } });
      assert.deepEqual(parseSelection('COUNT(2)'), { ok: true, value: { mode: 'COUNT', count: 2 } });
    });

    /** No built-in action declares a target type, so a test action with one (and its inventory) is registered. */
    function targetRegistry(touched: string[]): Registry {
      const action: ActionDefinition<{ force: boolean }> = {
        id: 'test.stop-instances',
        summary: 'Stops instances (test double).',
        mutating: true,
        permissions: { read: [], write: [] },
        capabilities: NO_AWS_CALL,
        args: z.strictObject({ force: z.boolean().default(false) }),
        targetType: 'aws:ec2:instance',
        inventory: () => {
          touched.push('inventory');
          return Promise.resolve([]);
        },
        run: () => {
          touched.push('run');
          return Promise.resolve({ output: {} });
        },
      };
      return new Registry().registerAction(action).registerProbe(httpProbe).registerProbe(tcpProbe);
    }

    const withTargets = (selection: string): string =>
      edit(
        VALID,
        '    action: http.request\n    args:\n      url: http://127.0.0.1:8081/outage?for=5s\n      expectStatus: [200]\n',
        `    action: test.stop-instances\n    targets:\n      tags: { app: checkout }\n      selection: ${selection}\n`,
      );

    it('accepts a valid selection on an action that declares a target type', () => {
      const touched: string[] = [];
      const { experiment } = load(withTargets('COUNT(2)'), { registry: targetRegistry(touched) });
      assert.deepEqual(experiment.faults[0]?.targets?.selection, { mode: 'COUNT', count: 2 });
      assert.deepEqual(touched, []);
    });

    it('refuses selection: COUNT(-1) in the file at its line, before any inventory or action runs', () => {
      const touched: string[] = [];
      const text = withTargets('COUNT(-1)');
      const issue = issueAt(refuse(text, { registry: targetRegistry(touched) }), 'faults[0].targets.selection');
      assertAt(issue, valueAt(text, 'selection: COUNT(-1)'));
      assert.match(issue.message, /COUNT\(-1\) needs a whole number of at least 1/);
      assert.deepEqual(touched, [], 'nothing ran');
    });

    it('refuses selection: PERCENT(150) in the file at its line', () => {
      const touched: string[] = [];
      const text = withTargets('PERCENT(150)');
      const issue = issueAt(refuse(text, { registry: targetRegistry(touched) }), 'faults[0].targets.selection');
      assertAt(issue, valueAt(text, 'selection: PERCENT(150)'));
      assert.match(issue.message, /PERCENT\(150\) must be more than 0 and at most 100/);
      assert.deepEqual(touched, []);
    });

    it('refuses targets that name nothing, since gameday never selects everything implicitly', () => {
      const text = edit(withTargets('ALL'), '      tags: { app: checkout }\n', '');
      const issue = issueAt(refuse(text, { registry: targetRegistry([]) }), 'faults[0].targets');
      assertAt(issue, where(text, 'selection: ALL'));
      assert.match(issue.message, /ids, tags or filters/);
    });
  });

  it('refuses an objective the declared probes cannot measure (rpo: 0 writes with http probes only)', () => {
    const text = edit(VALID, 'objectives:\n  rto: 10s\n', 'objectives:\n  rpo: 0 writes\n');
    const issue = issueAt(refuse(text), 'objectives.rpo');
    assertAt(issue, valueAt(text, 'rpo: 0 writes'));
    assert.match(issue.message, /^rpo cannot be measured/);
    assert.match(issue.message, /lost writes/, 'says what the probe would have to measure');
    assert.match(issue.message, /web \(http\)/, 'names the probes that were declared');
  });

  describe('references', () => {
    it('refuses a stop condition on an undeclared probe, suggesting a close name', () => {
      const text = `${VALID}stopConditions:\n  - probe: nope\n    failingFor: 30s\n  - probe: wbe\n    failingFor: 30s\n`;
      const issues = refuse(text);
      const nope = issueAt(issues, 'stopConditions[0].probe');
      assertAt(nope, valueAt(text, 'probe: nope'));
      assert.match(nope.message, /probe 'nope', which is not declared/);
      assert.match(nope.message, /declared probes: web, port/);
      const typo = issueAt(issues, 'stopConditions[1].probe');
      assert.match(typo.message, /did you mean 'web'\?/);
    });

    it('refuses objectives.probes naming an undeclared probe, in one sentence that is about that probe', () => {
      const text = edit(VALID, 'objectives:\n  rto: 10s\n', 'objectives:\n  rto: 10s\n  probes: [nope]\n');
      const issues = refuse(text);
      const issue = issueAt(issues, 'objectives.probes[0]');
      assertAt(issue, where(text, 'nope]'));
      assert.match(issue.message, /probe 'nope', which is not declared/);
      // Nothing else is wrong: no second sentence claiming rto "cannot be measured" by an empty list of probes.
      assert.deepEqual(
        issues.map((i) => i.path),
        ['objectives.probes[0]'],
        `one problem, not a consequence of it:\n${issues.map(formatIssue).join('\n')}`,
      );
    });

    it('refuses ${nope.output.x} when no fault or rollback is called nope', () => {
      const text = edit(VALID, 'url: http://127.0.0.1:8081/outage?for=5s', 'url: http://127.0.0.1:8081/outage?for=${nope.output.x}');
      const issue = issueAt(refuse(text), 'faults[0].args.url');
      assertAt(issue, valueAt(text, 'url: http://127.0.0.1:8081/outage?for=${nope'));
      assert.match(issue.message, /refers to 'nope', which is not a fault or rollback/);
    });

    it('refuses ${env:UNSET_VAR} without a fallback, and says how to give one', () => {
      const text = edit(VALID, 'url: http://127.0.0.1:8080/health', 'url: ${env:UNSET_VAR}/health');
      const issue = issueAt(refuse(text, { env: {} }), 'probes[0].args.url');
      assertAt(issue, valueAt(text, 'url: ${env:UNSET_VAR}'));
      assert.match(issue.message, /environment variable UNSET_VAR is not set/);
      assert.match(issue.message, /\$\{env:UNSET_VAR:-value\}/);
      const withFallback = edit(VALID, 'url: http://127.0.0.1:8080/health', 'url: ${env:UNSET_VAR:-http://127.0.0.1:9}/health');
      assert.equal((load(withFallback).experiment.probes[0]?.args as { url: string }).url, 'http://127.0.0.1:9/health');
    });
  });

  it('refuses duplicate probe names at the second one', () => {
    const text = edit(VALID, '  - name: port\n', '  - name: web\n');
    const issue = issueAt(refuse(text), 'probes[1].name');
    assertAt(issue, where(text, 'web\n    probe: tcp'));
    assert.match(issue.message, /the probe name 'web' is already used by probes\[0\]/);
  });

  describe('environment', () => {
    it('refuses environment.type: aws without allowedAccountIds', () => {
      const text = `${VALID}environment:\n  type: aws\n`;
      const issue = issueAt(refuse(text), 'environment.allowedAccountIds');
      assert.equal(issue.line, where(text, 'environment:').line + 1, formatIssue(issue));
      assert.match(issue.message, /aws must list the account ids/);
      assert.equal(load(`${text}  allowedAccountIds: ['123456789012']\n`).experiment.environment.type, 'aws');
    });

    it('refuses an account id that is not 12 digits', () => {
      const text = `${VALID}environment:\n  type: aws\n  allowedAccountIds: ['1234']\n`;
      const issue = issueAt(refuse(text), 'environment.allowedAccountIds[0]');
      assertAt(issue, where(text, "'1234'"));
      assert.match(issue.message, /12 digits/);
    });

    it('refuses an unquoted account id, saying to quote it, at its line:column', () => {
      // 012345678901 unquoted is the number 12345678901: its leading zero is already gone.
      const text = `${VALID}environment:\n  type: aws\n  allowedAccountIds: [123456789012, 012345678901]\n`;
      const issues = refuse(text);
      assertAt(issueAt(issues, 'environment.allowedAccountIds[0]'), where(text, '123456789012'));
      assert.deepEqual(issues.map(formatIssue), [
        `${FILE}:${where(text, '123456789012').line}:${where(text, '123456789012').column} at environment.allowedAccountIds[0]: an AWS account id must be quoted, as in ["123456789012"]: unquoted, YAML reads it as the number 123456789012 (dropping any leading zero)`,
        `${FILE}:${where(text, '012345678901').line}:${where(text, '012345678901').column} at environment.allowedAccountIds[1]: an AWS account id must be quoted, as in ["123456789012"]: unquoted, YAML reads it as the number 12345678901 (dropping any leading zero)`,
      ]);
    });

    it('takes a profile and retry settings for aws, and refuses a profile elsewhere', () => {
      const aws = load(
        `${VALID}environment:\n  type: aws\n  allowedAccountIds: ['123456789012']\n  profile: prod-chaos\n  retryMode: standard\n  maxAttempts: 5\n`,
      ).experiment.environment;
      assert.deepEqual([aws.profile, aws.retryMode, aws.maxAttempts], ['prod-chaos', 'standard', 5]);
      const text = `${VALID}environment:\n  type: sim\n  profile: prod-chaos\n`;
      const issue = issueAt(refuse(text), 'environment.profile');
      assertAt(issue, where(text, 'prod-chaos'));
      assert.match(issue.message, /only an aws environment uses them, not sim/);
      assert.match(issueAt(refuse(`${VALID}environment:\n  type: sim\n  retryMode: fast\n`), 'environment.retryMode').message, /standard|adaptive/);
    });
  });

  describe('apiVersion', () => {
    it('refuses a file without apiVersion, naming the expected value', () => {
      const issue = issueAt(refuse(edit(VALID, 'apiVersion: gameday/v1\n', '')), 'apiVersion');
      assert.equal(issue.line, 1);
      assert.match(issue.message, /required/);
      assert.match(issue.message, /gameday\/v1/);
    });

    it('refuses a wrong apiVersion at its value', () => {
      const text = edit(VALID, 'apiVersion: gameday/v1', 'apiVersion: gameday/v2');
      const issue = issueAt(refuse(text), 'apiVersion');
      assertAt(issue, { line: 1, column: 13 });
      assert.match(issue.message, /'gameday\/v2'/);
      assert.match(issue.message, /gameday\/v1/);
    });
  });

  it('lists every independent problem of a file, not only the first', () => {
    const text = edit(edit(VALID, 'timeout: 1s', 'timout: 1s'), 'port: 8080', 'port: "abc"');
    const issues = refuse(text);
    issueAt(issues, 'probes[0].args.timout');
    issueAt(issues, 'probes[1].args.port');
  });
});

describe('experiment validation: valid files', () => {
  it('accepts the shipped example experiments/local-http-outage.yaml', async () => {
    const text = await readFile(join(ROOT, 'experiments', 'local-http-outage.yaml'), 'utf8');
    const { experiment } = load(text, { file: 'experiments/local-http-outage.yaml' });
    assert.equal(experiment.metadata.name, 'local-http-outage');
    assert.deepEqual(
      experiment.probes.map((p) => [p.name, p.probe]),
      [
        ['web', 'http'],
        ['port', 'tcp'],
      ],
    );
    assert.equal(experiment.faults[0]?.action, 'http.request');
    assert.equal(experiment.objectives.rto, 10_000);
    assert.equal(experiment.recovery.stableFor, 3_000);
    // Unset DEMO_PORT falls back to 8080, read as a number.
    assert.equal((experiment.probes[1]?.args as { port: unknown }).port, 8080);
  });

  it('accepts the same kind of experiment written as JSON, and locates problems in JSON too', () => {
    const doc = {
      apiVersion: 'gameday/v1',
      metadata: { name: 'json-experiment' },
      probes: [{ name: 'port', probe: 'tcp', args: { host: '127.0.0.1', port: '${env:PORT}' }, interval: '500ms' }],
      faults: [{ name: 'kill', action: 'process.exec', args: { command: ['true'] } }],
      recovery: { stableFor: '1s', timeout: '30s' },
      objectives: { rto: '5s' },
    };
    const text = JSON.stringify(doc, null, 2);
    const { experiment } = load(text, { file: 'exp.json', env: { PORT: '9090' } });
    assert.equal(experiment.metadata.name, 'json-experiment');
    assert.equal(experiment.probes[0]?.interval, 500);
    assert.deepEqual(experiment.faults[0]?.args, { command: ['true'], env: {}, timeout: 60_000, expectExitCode: 0 });

    const broken = text.replace('"500ms"', '"5 parsecs"');
    const issue = issueAt(refuse(broken, { file: 'exp.json', env: { PORT: '9090' } }), 'probes[0].interval');
    assertAt(issue, where(broken, '"5 parsecs"'));
  });

  it('reads ${env:PORT} in a number field as a number', () => {
    const text = edit(VALID, 'port: 8080', 'port: ${env:PORT}');
    const { experiment } = load(text, { env: { PORT: '9090' } });
    const port = (experiment.probes[1]?.args as { port: unknown }).port;
    assert.equal(typeof port, 'number');
    assert.equal(port, 9090);
    // …and a value that is no number is still refused at that field.
    const issue = issueAt(refuse(text, { env: { PORT: 'http' } }), 'probes[1].args.port');
    assert.match(issue.message, /expected a number, got 'http'/);
  });
});
