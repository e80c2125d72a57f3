import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blackholePortAction } from '../../src/actions/ec2/blackhole-port.js';
import { cpuStressAction } from '../../src/actions/ec2/cpu-stress.js';
import { memoryStressAction } from '../../src/actions/ec2/memory-stress.js';
import { networkLatencyAction } from '../../src/actions/ec2/network-latency.js';
import { packetLossAction } from '../../src/actions/ec2/packet-loss.js';
import { fromFisTemplate, toFisTemplate } from '../../src/actions/fis/convert.js';
import { durationSeconds } from '../../src/actions/ssm/fis-document.js';
import { sendCommandAction } from '../../src/actions/ssm/send-command.js';
import { ExperimentValidationError } from '../../src/errors/validation-error.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { policyFor, usageOf } from '../../src/safety/iam-policy.js';

// Parameter names and defaults: https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html
describe('the AWSFIS document actions’ arguments', () => {
  it('send the documents’ own defaults when left out', () => {
    assert.deepEqual(networkLatencyAction.fis.toDocument(networkLatencyAction.args.parse({})), {
      document: 'AWSFIS-Run-Network-Latency',
      parameters: { DelayMilliseconds: '200', InstallDependencies: 'True' },
    });
    assert.deepEqual(packetLossAction.fis.toDocument(packetLossAction.args.parse({})), {
      document: 'AWSFIS-Run-Network-Packet-Loss',
      parameters: { LossPercent: '7', InstallDependencies: 'True' },
    });
    assert.deepEqual(blackholePortAction.fis.toDocument(blackholePortAction.args.parse({ port: 5432, protocol: 'tcp' })), {
      document: 'AWSFIS-Run-Network-Blackhole-Port',
      parameters: { Protocol: 'tcp', Port: '5432', TrafficType: 'ingress', InstallDependencies: 'True' },
    });
    assert.deepEqual(cpuStressAction.fis.toDocument(cpuStressAction.args.parse({})), {
      document: 'AWSFIS-Run-CPU-Stress',
      parameters: { LoadPercent: '100', InstallDependencies: 'True' },
    });
    assert.deepEqual(memoryStressAction.fis.toDocument(memoryStressAction.args.parse({ percent: 80 })), {
      document: 'AWSFIS-Run-Memory-Stress',
      parameters: { Percent: '80', Workers: '1', InstallDependencies: 'True' },
    });
  });

  it('send DurationSeconds in whole AWS seconds, never shorter than the fault’s duration', () => {
    // The run hands the action its wall duration times the sim's speed: 59 s at speed 7 comes back as 59000.00000000001 ms.
    assert.notEqual((59_000 / 7) * 7, 59_000);
    assert.equal(durationSeconds((59_000 / 7) * 7), '59');
    assert.equal(durationSeconds(1_500), '2');
    assert.equal(durationSeconds(300_000), '300');
  });

  it('choose the -Sources documents when sources are given, joined by commas without spaces', () => {
    const latency = networkLatencyAction.args.parse({
      delay: '150ms',
      jitter: '20ms',
      sources: ['10.0.1.0/24', 'db.example.com', 'S3'],
      trafficType: 'egress',
      interface: 'eth0',
      flowsPercent: 50,
    });
    assert.deepEqual(networkLatencyAction.fis.toDocument(latency), {
      document: 'AWSFIS-Run-Network-Latency-Sources',
      parameters: {
        DelayMilliseconds: '150',
        Interface: 'eth0',
        InstallDependencies: 'True',
        JitterMilliseconds: '20',
        Sources: '10.0.1.0/24,db.example.com,S3',
        TrafficType: 'egress',
        FlowsPercent: '50',
      },
    });
    const loss = packetLossAction.fis.toDocument(packetLossAction.args.parse({ lossPercent: 30, sources: ['us-east-1a'] }));
    assert.equal(loss.document, 'AWSFIS-Run-Network-Packet-Loss-Sources');
    assert.equal(loss.parameters.Sources, 'us-east-1a');
  });

  it('refuse what the chosen document cannot take, naming the argument', () => {
    const refused = (
      schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } },
      value: unknown,
    ) => {
      const r = schema.safeParse(value);
      assert.equal(r.success, false, `accepted ${JSON.stringify(value)}`);
      return r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? '';
    };
    assert.match(refused(networkLatencyAction.args, { jitter: '10ms' }), /^jitter: jitter applies only with sources/);
    assert.match(refused(packetLossAction.args, { trafficType: 'egress' }), /^trafficType: .*only with sources/);
    assert.match(refused(networkLatencyAction.args, { sources: ['10.0.0.1, 10.0.0.2'] }), /^sources\.0: a source is one/);
    assert.match(refused(networkLatencyAction.args, { sources: [] }), /^sources: list at least one source/);
    assert.match(refused(packetLossAction.args, { lossPercent: 101 }), /^lossPercent:/);
    assert.match(refused(blackholePortAction.args, { port: 80, protocol: 'icmp' }), /^protocol:/);
    assert.match(refused(blackholePortAction.args, { protocol: 'tcp' }), /^port:/);
    assert.match(refused(memoryStressAction.args, {}), /^percent:/);
    assert.match(refused(cpuStressAction.args, { loadPercent: 50, cores: 2 }), /cores/);
    assert.match(refused(sendCommandAction.args, { documentName: 'my doc' }), /^documentName: a document name/);
    assert.match(refused(sendCommandAction.args, { documentName: 'MyDoc', documentVersion: 'latest' }), /^documentVersion:/);
  });
});

const experiment = (faults: string): string => `apiVersion: gameday/v1
metadata: { name: degrade }
environment: { type: aws, region: us-east-1, allowedAccountIds: ["123456789012"] }
probes:
  - { name: web, probe: http, args: { url: "http://127.0.0.1:1/", timeout: 500ms } }
faults:
${faults}
safety:
  requireTags: { "gameday:allowed": "true" }
`;

const FAULTS = `  - name: slow-db
    action: aws.ec2.network-latency
    args: { delay: 250ms, jitter: 15ms, sources: [10.0.2.0/24, db.internal], trafficType: egress }
    duration: 5m
    verify: false
    targets: { tags: { role: web }, selection: COUNT(1) }
  - name: lossy
    action: aws.ec2.packet-loss
    args: { lossPercent: 20 }
    duration: 2m
    verify: false
    targets: { tags: { role: web }, selection: COUNT(1) }
  - name: no-postgres
    action: aws.ec2.blackhole-port
    args: { port: 5432, protocol: tcp, trafficType: egress }
    duration: 90s
    verify: false
    targets: { tags: { role: web }, selection: ALL }
  - name: busy
    action: aws.ec2.cpu-stress
    args: { loadPercent: 80, cpu: 2 }
    duration: 10m
    targets: { tags: { role: web }, selection: COUNT(1) }
  - name: full
    action: aws.ec2.memory-stress
    args: { percent: 90, workers: 2 }
    duration: 1m
    targets: { tags: { role: web }, selection: COUNT(1) }
  - name: own
    action: aws.ssm.send-command
    args: { documentName: drain-node, parameters: { Mode: graceful, Hosts: [a, b] }, cancelOnUndo: true }
    duration: 3m
    targets: { tags: { role: web }, selection: COUNT(1) }`;

describe('the degradation actions in an experiment', () => {
  const registry = defaultRegistry();

  it('refuses an AWSFIS document fault without a duration, saying why', () => {
    const text = experiment(`  - name: busy
    action: aws.ec2.cpu-stress
    targets: { tags: { role: web }, selection: ALL }`);
    assert.throws(
      () => parseExperiment(text, 'degrade.yaml', { registry, env: {} }),
      (e: unknown) =>
        e instanceof ExperimentValidationError &&
        /faults\[0\]: fault 'busy' needs a duration: AWSFIS-Run-CPU-Stress take DurationSeconds/.test(e.message.replace(/^.*?faults/, 'faults')),
    );
  });

  it('export to FIS naming the check that a network fault took effect, which FIS does not make, unless the fault goes without it', () => {
    const checked = FAULTS.replaceAll('    verify: false\n', '').replace('    duration: 10m\n', '    duration: 10m\n    verify: { slowerBy: 50ms }\n');
    const loaded = parseExperiment(experiment(checked), 'degrade.yaml', { registry, env: {} }).experiment;
    const { unexpressed } = toFisTemplate(loaded, { region: 'us-east-1', account: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/fis' });
    assert.deepEqual(
      unexpressed.filter((u) => u.keptByGameday !== true).map((u) => u.what),
      ['slow-db', 'lossy', 'no-postgres', 'busy'].map(
        (name) => `fault '${name}' (${loaded.faults.find((f) => f.name === name)?.action}), its check that it took effect`,
      ),
    );
    assert.match(unexpressed[0]?.reason ?? '', /write verify: false to go without the check$/);
  });

  it('export to FIS as aws:ssm:send-command with the document ARN, its parameters as JSON and the duration, and import back', () => {
    const loaded = parseExperiment(experiment(FAULTS), 'degrade.yaml', { registry, env: {} }).experiment;
    const { template, unexpressed } = toFisTemplate(loaded, { region: 'us-east-1', account: '123456789012', roleArn: 'arn:aws:iam::123456789012:role/fis' });
    assert.deepEqual(
      unexpressed.filter((u) => u.keptByGameday !== true),
      [],
    );
    const latency = template.actions['slow-db'];
    assert.equal(latency?.actionId, 'aws:ssm:send-command');
    assert.deepEqual(latency?.targets, { Instances: 'slow-db' });
    assert.equal(latency?.parameters?.documentArn, 'arn:aws:ssm:us-east-1::document/AWSFIS-Run-Network-Latency-Sources');
    assert.equal(latency?.parameters?.duration, 'PT5M');
    assert.deepEqual(JSON.parse(latency?.parameters?.documentParameters ?? '{}'), {
      DelayMilliseconds: '250',
      InstallDependencies: 'True',
      JitterMilliseconds: '15',
      Sources: '10.0.2.0/24,db.internal',
      TrafficType: 'egress',
      DurationSeconds: '300',
    });
    assert.equal(template.actions.own?.parameters?.documentArn, 'arn:aws:ssm:us-east-1:123456789012:document/drain-node');
    assert.deepEqual(JSON.parse(template.actions.own?.parameters?.documentParameters ?? '{}'), { Mode: 'graceful', Hosts: 'a,b' });

    const back = fromFisTemplate(template);
    assert.deepEqual(back.unexpressed, []);
    const byName = new Map(back.faults.map((f) => [f.name, f]));
    for (const fault of loaded.faults) {
      const imported = byName.get(fault.name);
      assert.ok(imported !== undefined, `${fault.name} was imported`);
      assert.equal(imported.action, fault.action);
      const definition = registry.action(fault.action);
      assert.ok(definition !== undefined);
      const reparsed = definition.args.parse(imported.args) as Record<string, unknown>;
      if (fault.action === 'aws.ssm.send-command') {
        // FIS carries each parameter as one string: a list comes back joined.
        assert.deepEqual(reparsed, {
          ...(fault.args as object),
          documentName: 'arn:aws:ssm:us-east-1:123456789012:document/drain-node',
          parameters: { Mode: 'graceful', Hosts: 'a,b' },
        });
      } else assert.deepEqual(reparsed, fault.args, `${fault.name}'s arguments survive the round trip`);
      const parsedDuration = parseExperiment(
        experiment(`  - { name: x, action: aws.ec2.cpu-stress, duration: "${imported.duration ?? ''}", targets: { tags: { role: web }, selection: ALL } }`),
        'x.yaml',
        { registry, env: {} },
      ).experiment.faults[0]?.duration;
      assert.equal(parsedDuration, fault.duration, `${fault.name}'s duration survives the round trip`);
    }
  });

  it('grant SendCommand only on the AWSFIS documents, the named documents and the opted-in instances', () => {
    const loaded = parseExperiment(experiment(FAULTS), 'degrade.yaml', { registry, env: {} }).experiment;
    const policy = policyFor(registry, usageOf([loaded]));
    const sends = policy.Statement.filter((s) => s.Action.includes('ssm:SendCommand'));
    assert.ok(sends.length > 0);
    for (const s of sends) {
      const resources = [s.Resource].flat();
      const instances = resources.every((r) => r === 'arn:aws:ec2:*:*:instance/*');
      if (instances) assert.deepEqual(s.Condition, { StringEquals: { 'ssm:resourceTag/gameday:allowed': 'true' } }, s.Sid);
      else
        assert.ok(
          resources.every((r) => r === 'arn:aws:ssm:*::document/AWSFIS-Run-*' || r === 'arn:aws:ssm:*:*:document/drain-node'),
          `${s.Sid}: ${resources.join(', ')}`,
        );
    }
    assert.ok(
      sends.some((s) => [s.Resource].flat().includes('arn:aws:ssm:*:*:document/drain-node')),
      'the user’s document is granted',
    );
    const cancel = policy.Statement.filter((s) => s.Action.includes('ssm:CancelCommand'));
    assert.ok(cancel.length > 0 && policy.Statement.some((s) => s.Action.includes('ssm:GetCommandInvocation')));
  });
});
