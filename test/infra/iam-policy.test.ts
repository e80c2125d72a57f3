import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { Registry } from '../../src/registry/registry.js';
import type { AnyActionDefinition, Permissions } from '../../src/registry/types.js';
import {
  actionsOf,
  allowedActions,
  alarmStopPermissions,
  architectureReadPermissions,
  assumeRolePermissions,
  corePermissions,
  policyFor,
  type PolicyDocument,
} from '../../src/safety/iam-policy.js';
import { gameday, ROOT, tempDir } from '../support/cli.js';

/**
 * Folders of src/ whose AWS calls are not attributed to a run's policy, and why. Every other module is scanned: those
 * under src/actions and src/probes against the definitions that reach them, the rest against the core permissions.
 */
const NOT_SCANNED: Record<string, string> = {
  // CLI commands that call AWS outside runs (such as `gameday doctor`) need their own declaration and check here.
  'src/cli': 'commands outside runs',
  'src/sim': 'the simulated region serves the AWS APIs and calls none',
  // `gameday doctor` makes each call whose permission it checks (reads, EC2 dry runs, IAM simulation): not a run's calls.
  'src/aws/permissions-check.ts': "gameday doctor's permission checks",
};

/**
 * Declared IAM actions no SDK command in the code accounts for, per definition, and why. Each must stay declared and
 * unseen: once the code calls it through the SDK the entry is stale and the test says so.
 */
const DECLARED_NOT_SEEN: Record<string, Record<string, string>> = {
  'aws.scenario.az-outage': {
    'ec2:CreateTags': 'checked when the deny network ACL is created with TagSpecifications, not an API call',
  },
  'aws.scenario.region-outage': {
    'ec2:CreateTags': 'checked when the deny network ACL is created with TagSpecifications, not an API call',
  },
  'aws.asg.instance-refresh': {
    'ec2:RunInstances': 'checked when StartInstanceRefresh names a launch template the group will launch from, not an API call',
    'ec2:CreateTags': 'checked when that launch template has tag specifications, not an API call',
  },
  'aws.fis.experiment': {
    'iam:PassRole': 'a permission checked when a template names its roleArn, not an API call',
    'fis:TagResource': 'checked when a template or an experiment is created with tags',
    'fis:GetSafetyLever': 'sent as a signed request the installed FIS client has no command for',
  },
};

/**
 * Requests for operations the installed SDK clients lack, sent signed through the client factory (`signedJson`):
 * the command-shaped object each is built from, and the permission it needs (declared, listed in DECLARED_NOT_SEEN).
 */
const SIGNED_REQUESTS: Record<string, string> = {
  'src/actions/fis/experiment.ts: new GetSafetyLeverCommand(…)': 'fis:GetSafetyLever',
};

/** IAM service prefix of each lazily loaded SDK module (src/aws/sdk.ts) and of each client package. */
const SDK_PREFIX: Record<string, string> = {
  ec2: 'ec2',
  autoScaling: 'autoscaling',
  elbv2: 'elasticloadbalancing',
  rds: 'rds',
  route53: 'route53',
  fis: 'fis',
  ssm: 'ssm',
  sts: 'sts',
  cloudWatch: 'cloudwatch',
  iam: 'iam',
  cloudFormation: 'cloudformation',
};
const PACKAGE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-auto-scaling': 'autoscaling',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-rds': 'rds',
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-fis': 'fis',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-iam': 'iam',
  '@aws-sdk/client-cloudformation': 'cloudformation',
};

/** `DescribeInstancesCommand` → `DescribeInstances`; `paginateDescribeInstances` → `DescribeInstances`. */
function operationOf(name: string): string | undefined {
  if (/^[A-Z]\w*Command$/.test(name)) return name.slice(0, -'Command'.length);
  if (/^paginate[A-Z]\w*$/.test(name)) return name.slice('paginate'.length);
  return undefined;
}

/** One top-level declaration: the IAM actions its own SDK commands need and the names it refers to. */
interface Declaration {
  calls: Set<string>;
  refs: Set<string>;
}

/** A source module as far as AWS calls go. */
interface Module {
  path: string;
  declarations: Map<string, Declaration>;
  /** Local name → module and exported name, for relative value imports. */
  imports: Map<string, { path: string; name: string }>;
  /** `new XCommand(` whose service the scan could not tell. */
  unattributed: string[];
  /** Top-level `const x = { id: '…', … }`: definition id → declaration name. */
  definitions: Map<string, string>;
}

/** `sdk.<service>()` awaited, possibly in parentheses: the service. */
function sdkService(node: ts.Node): string | undefined {
  let n = node;
  while (ts.isParenthesizedExpression(n) || ts.isAwaitExpression(n)) n = n.expression;
  if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression)) return undefined;
  const access = n.expression;
  return ts.isIdentifier(access.expression) && access.expression.text === 'sdk' ? access.name.text : undefined;
}

function prefixOf(service: string, where: string): string {
  const prefix = SDK_PREFIX[service];
  assert.ok(prefix !== undefined, `${where}: sdk.${service}() has no IAM service prefix in SDK_PREFIX`);
  return prefix;
}

function parseModule(path: string, text: string): Module {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const rel = relative(ROOT, path);
  const mod: Module = { path, declarations: new Map(), imports: new Map(), unattributed: [], definitions: new Map() };
  const sdkImports = new Map<string, string>();
  const tops: [string, ts.Node][] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      if (clause === undefined || clause.isTypeOnly || clause.namedBindings === undefined || !ts.isNamedImports(clause.namedBindings)) continue;
      for (const element of clause.namedBindings.elements) {
        if (element.isTypeOnly) continue;
        const imported = (element.propertyName ?? element.name).text;
        if (from.startsWith('.')) mod.imports.set(element.name.text, { path: resolve(dirname(path), from.replace(/\.js$/, '.ts')), name: imported });
        const prefix = PACKAGE_PREFIX[from];
        const operation = operationOf(imported);
        if (prefix !== undefined && operation !== undefined) sdkImports.set(element.name.text, `${prefix}:${operation}`);
      }
    } else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) {
      if (statement.name !== undefined) tops.push([statement.name.text, statement]);
    } else if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        tops.push([d.name.text, d]);
        // A definition is an object literal, or one built by a factory from one (fisDocumentAction({ id: … })).
        const init = d.initializer;
        const literal =
          init !== undefined && ts.isCallExpression(init) && init.arguments[0] !== undefined && ts.isObjectLiteralExpression(init.arguments[0])
            ? init.arguments[0]
            : init;
        if (literal !== undefined && ts.isObjectLiteralExpression(literal)) {
          const id = literal.properties.find((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'id');
          if (id !== undefined && ts.isPropertyAssignment(id) && ts.isStringLiteral(id.initializer)) mod.definitions.set(id.initializer.text, d.name.text);
        }
      }
    }
  }
  const topNames = new Set(tops.map(([name]) => name));
  for (const [name, node] of tops) {
    const decl: Declaration = { calls: new Set(), refs: new Set() };
    const visit = (n: ts.Node): void => {
      // const { XCommand, paginateY } = await sdk.ec2();
      if (ts.isVariableDeclaration(n) && ts.isObjectBindingPattern(n.name) && n.initializer !== undefined) {
        const service = sdkService(n.initializer);
        if (service !== undefined) {
          for (const element of n.name.elements) {
            const operation = operationOf(((element.propertyName ?? element.name) as ts.Identifier).text);
            if (operation !== undefined) decl.calls.add(`${prefixOf(service, rel)}:${operation}`);
          }
        }
      }
      // new (await sdk.elbv2()).DescribeTargetHealthCommand(…)
      if (ts.isPropertyAccessExpression(n)) {
        const service = sdkService(n.expression);
        const operation = operationOf(n.name.text);
        if (service !== undefined && operation !== undefined) decl.calls.add(`${prefixOf(service, rel)}:${operation}`);
      }
      if (ts.isIdentifier(n)) {
        const fromPackage = sdkImports.get(n.text);
        if (fromPackage !== undefined) decl.calls.add(fromPackage);
        if ((topNames.has(n.text) && n.text !== name) || mod.imports.has(n.text)) decl.refs.add(n.text);
      }
      if (ts.isNewExpression(n)) {
        const callee = n.expression;
        const named = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
        if (
          named?.endsWith('Command') &&
          !(ts.isIdentifier(callee) && (sdkImports.has(named) || bound(n, named))) &&
          !(ts.isPropertyAccessExpression(callee) && sdkService(callee.expression) !== undefined)
        ) {
          mod.unattributed.push(`${rel}: new ${named}(…)`);
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(node);
    mod.declarations.set(name, decl);
  }
  return mod;
}

/** Whether `name` is bound by a destructuring of `sdk.<service>()` in a scope enclosing `node`. */
function bound(node: ts.Node, name: string): boolean {
  for (let scope: ts.Node | undefined = node.parent; scope !== undefined; scope = scope.parent) {
    let found = false;
    const look = (n: ts.Node): void => {
      if (found) return;
      if (ts.isVariableDeclaration(n) && ts.isObjectBindingPattern(n.name) && n.initializer !== undefined && sdkService(n.initializer) !== undefined) {
        if (n.name.elements.some((e) => ts.isIdentifier(e.name) && e.name.text === name)) found = true;
      }
      ts.forEachChild(n, look);
    };
    if (ts.isBlock(scope) || ts.isSourceFile(scope)) ts.forEachChild(scope, look);
    if (found) return true;
  }
  return false;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

let scanned: Promise<Map<string, Module>> | undefined;

/** The parsed modules of src/, parsed once for every test that reads them (parsing all of src takes seconds). */
function scan(): Promise<Map<string, Module>> {
  scanned ??= scanSources();
  return scanned;
}

async function scanSources(): Promise<Map<string, Module>> {
  const modules = new Map<string, Module>();
  for (const path of await sourceFiles(join(ROOT, 'src'))) {
    const rel = relative(ROOT, path);
    if (Object.keys(NOT_SCANNED).some((dir) => rel === dir || rel.startsWith(`${dir}/`))) continue;
    modules.set(path, parseModule(path, await readFile(path, 'utf8')));
  }
  return modules;
}

/** IAM actions reachable from one declaration, following references within and across modules. */
function reachable(modules: Map<string, Module>, path: string, name: string, seen = new Set<string>(), calls = new Set<string>()): Set<string> {
  const key = `${path}#${name}`;
  if (seen.has(key)) return calls;
  seen.add(key);
  const mod = modules.get(path);
  const decl = mod?.declarations.get(name);
  if (mod === undefined || decl === undefined) return calls;
  for (const c of decl.calls) calls.add(c);
  for (const ref of decl.refs) {
    const imported = mod.imports.get(ref);
    if (imported === undefined) reachable(modules, path, ref, seen, calls);
    else if (modules.has(imported.path)) reachable(modules, imported.path, imported.name, seen, calls);
  }
  return calls;
}

/** Modules under src/probes that serve the engine rather than a definition: their calls are the engine's own permissions. */
const ENGINE_SERVICES = new Set(['src/probes/aws/cloudwatch-alarms.ts']);
const inDefinitions = (path: string): boolean => /^src\/(actions|probes)\//.test(relative(ROOT, path)) && !ENGINE_SERVICES.has(relative(ROOT, path));
const sorted = (s: Iterable<string>): string[] => [...s].sort();

describe('the IAM permissions gameday declares', () => {
  it('match, for every action and probe, the AWS SDK commands its code reaches: nothing missing, nothing extra', async () => {
    const modules = await scan();
    const registry = defaultRegistry();
    const located = new Map<string, { path: string; name: string }>();
    for (const [path, mod] of modules) for (const [id, name] of mod.definitions) located.set(id, { path, name });
    const reached = new Set<string>();
    for (const d of [...registry.actions, ...registry.probes]) {
      const where = located.get(d.id);
      assert.ok(where !== undefined, `the module defining '${d.id}' was not found under src/`);
      const seen = new Set<string>();
      const called = reachable(modules, where.path, where.name, seen);
      for (const key of seen) reached.add(key);
      const declared = new Set(actionsOf(d.permissions));
      const unseen = DECLARED_NOT_SEEN[d.id] ?? {};
      assert.deepEqual(sorted([...called].filter((c) => !declared.has(c))), [], `'${d.id}' calls these without declaring them`);
      assert.deepEqual(sorted([...declared].filter((c) => !called.has(c) && !(c in unseen))), [], `'${d.id}' declares these but never calls them`);
      assert.deepEqual(sorted(Object.keys(unseen).filter((c) => called.has(c))), [], `'${d.id}': now called through the SDK, drop from DECLARED_NOT_SEEN`);
      assert.deepEqual(sorted(Object.keys(unseen).filter((c) => !declared.has(c))), [], `'${d.id}': in DECLARED_NOT_SEEN but not declared`);
    }
    // A call in src/actions or src/probes that no definition reaches would escape the policy.
    const stray: string[] = [];
    for (const [path, mod] of modules) {
      if (!inDefinitions(path)) continue;
      for (const [name, decl] of mod.declarations)
        if (decl.calls.size > 0 && !reached.has(`${path}#${name}`)) stray.push(`${relative(ROOT, path)}: ${name} calls ${sorted(decl.calls).join(', ')}`);
    }
    assert.deepEqual(stray, [], 'AWS calls no registered action or probe reaches');
    assert.deepEqual(
      [...modules.values()].flatMap((m) => m.unattributed).filter((u) => !(u in SIGNED_REQUESTS)),
      [],
      'SDK commands whose service the scan cannot tell',
    );
  });

  it('cover what the engine, the safety guards and the client factory call themselves', async () => {
    const modules = await scan();
    const called = new Set<string>();
    for (const [path, mod] of modules) if (!inDefinitions(path)) for (const decl of mod.declarations.values()) for (const c of decl.calls) called.add(c);
    const declared = new Set([corePermissions, alarmStopPermissions, assumeRolePermissions, architectureReadPermissions].flatMap(actionsOf));
    assert.deepEqual(sorted(called), sorted(declared));
    // The scan sees what it must: the account guard, the alarm stop conditions, the assumed role.
    for (const op of ['sts:GetCallerIdentity', 'cloudwatch:DescribeAlarms', 'sts:AssumeRole']) assert.ok(called.has(op), op);
  });

  it('the scan notices an undeclared call, a paginator and a command it cannot attribute', () => {
    const path = join(ROOT, 'src', 'actions', 'example', 'made-up.ts');
    const mod = parseModule(
      path,
      [
        "import { paginateDescribeVolumes } from '@aws-sdk/client-ec2';",
        "import { sdk } from '../../aws/sdk.js';",
        'async function helper() { const { DeleteVolumeCommand } = await sdk.ec2(); return new DeleteVolumeCommand({}); }',
        'async function list(client) { return paginateDescribeVolumes({ client }, {}); }',
        "export const madeUp = { id: 'aws.example.made-up', async run() { await helper(); await list(); return new MysteryCommand({}); } };",
      ].join('\n'),
    );
    assert.equal(mod.definitions.get('aws.example.made-up'), 'madeUp');
    assert.deepEqual(sorted(reachable(new Map([[path, mod]]), path, 'madeUp')), ['ec2:DeleteVolume', 'ec2:DescribeVolumes']);
    assert.deepEqual(mod.unattributed, ['src/actions/example/made-up.ts: new MysteryCommand(…)']);
  });

  it('are required when a definition registers', () => {
    const base = defaultRegistry().action('aws.ec2.stop-instances') as AnyActionDefinition;
    const without = { ...base, id: 'test.no-permissions' } as Partial<AnyActionDefinition>;
    delete without.permissions;
    assert.throws(() => new Registry().registerAction(without as AnyActionDefinition), /'test\.no-permissions' must declare its IAM permissions/);
    const wrong: Permissions = { read: ['DescribeInstances'], write: [] };
    assert.throws(() => new Registry().registerAction({ ...base, id: 'test.bad', permissions: wrong }), /declares 'DescribeInstances' as a permission/);
  });
});

describe('gameday policy', () => {
  it('prints the committed infra/iam/gameday-policy.json when given no experiment', async () => {
    const result = await gameday(['policy']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      await readFile(join(ROOT, 'infra', 'iam', 'gameday-policy.json'), 'utf8'),
      'regenerate with: npm run build && node scripts/iam-policy.mjs',
    );
    const policy = JSON.parse(result.stdout) as PolicyDocument;
    assert.deepEqual(policy, policyFor(defaultRegistry()));
    // A managed policy holds at most 6,144 characters, whitespace not counted.
    assert.ok(JSON.stringify(policy).length <= 6_144, `${JSON.stringify(policy).length} characters`);
    assert.equal(new Set(policy.Statement.map((s) => s.Sid)).size, policy.Statement.length, 'Sids are unique');
    const stop = policy.Statement.find((s) => s.Sid === 'AwsEc2StopInstancesTaggedInstances');
    assert.deepEqual(stop, {
      Sid: 'AwsEc2StopInstancesTaggedInstances',
      Effect: 'Allow',
      Action: ['ec2:StartInstances', 'ec2:StopInstances'],
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { StringEquals: { 'aws:ResourceTag/gameday:allowed': 'true' } },
    });
    // Changes are never granted on every resource where IAM can scope them.
    for (const s of policy.Statement) {
      for (const a of s.Action)
        if (/^(ec2|rds):(Stop|Start|Terminate|Reboot|Failover)/.test(a))
          assert.ok(s.Condition !== undefined && s.Resource !== '*', `${s.Sid}: ${a} is unscoped`);
    }
  });

  it('for one experiment, grants only what its actions and probes need', async () => {
    const result = await gameday(['policy', 'experiments/terminate-one-instance.yaml', '--opt-in-tag', 'team=chaos']);
    assert.equal(result.code, 0, result.stderr);
    const policy = JSON.parse(result.stdout) as PolicyDocument;
    assert.deepEqual(
      policy.Statement.map((s) => s.Sid),
      ['GamedayCore', 'AwsEc2TerminateInstances', 'AwsEc2TerminateInstancesTaggedInstances', 'AwsAsgInService', 'AwsElbv2HealthyTargets'],
    );
    assert.deepEqual(policy.Statement[2]?.Condition, { StringEquals: { 'aws:ResourceTag/team': 'chaos' } });
    assert.ok(!allowedActions(policy).has('ec2:StopInstances'));
  });

  it('refuses an invalid experiment or tag with one sentence, exit 2 and no policy', async () => {
    const missing = await gameday(['policy', 'experiments/no-such-file.yaml']);
    assert.equal(missing.code, 2, missing.stderr);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^error: .*no-such-file\.yaml/);
    const tag = await gameday(['policy', '--opt-in-tag', 'gameday:allowed']);
    assert.equal(tag.code, 2, tag.stderr);
    assert.equal(tag.stdout, '');
    assert.equal(tag.stderr, "error: --opt-in-tag 'gameday:allowed' is not key=value (for example gameday:allowed=true).\n");
  });
});

// Each run is its own `gameday run` with its own simulated region, mostly waiting on simulated time: three at once.
describe('the policy and the calls of real runs', { concurrency: 3 }, () => {
  // Experiments that reach every AWS service gameday calls in a run: EC2, Auto Scaling, ELBv2, RDS, Route 53, FIS, STS.
  const experiments = ['az-outage', 'az-power-interruption', 'terminate-one-instance', 'stop-half-fleet', 'route53-failover', 'fis-az-power-interruption'];
  const PREFIX_OF_AUDIT_SERVICE: Record<string, string> = { elbv2: 'elasticloadbalancing' };
  for (const name of experiments) {
    it(`every AWS call of ${name}.yaml on the simulated region is allowed by its policy`, async () => {
      const tmp = await tempDir();
      try {
        const file = join('experiments', `${name}.yaml`);
        const journalFile = join(tmp.dir, 'journal.json');
        // At 100× the AWS-slow recoveries (minutes, docs/fidelity.md) take seconds: the calls are what this checks.
        const run = await gameday(['run', file, '--journal', journalFile, '--view', 'none'], { timeoutMs: 240_000, env: { GAMEDAY_SPEED: '100' } });
        assert.ok(run.code === 0 || run.code === 1, `run ended ${String(run.code)}: ${run.stderr}`);
        const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { audit: { calls: { service: string; operation: string }[]; dropped: number } };
        assert.equal(journal.audit.dropped, 0);
        const calls = new Set(journal.audit.calls.map((c) => `${PREFIX_OF_AUDIT_SERVICE[c.service] ?? c.service}:${c.operation}`));
        assert.ok(calls.size > 1, [...calls].join(', '));
        const policy = await gameday(['policy', file]);
        assert.equal(policy.code, 0, policy.stderr);
        const allowed = allowedActions(JSON.parse(policy.stdout) as PolicyDocument);
        assert.deepEqual(sorted([...calls].filter((c) => !allowed.has(c))), [], `${name}: calls its policy does not allow`);
      } finally {
        await tmp.cleanup();
      }
    });
  }
});
