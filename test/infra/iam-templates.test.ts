import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';
import { ROOT } from '../support/cli.js';

/** CloudFormation's short-form intrinsic functions, as YAML tags: `!Sub x` becomes `{ "Fn::Sub": "x" }`. */
function cloudFormationTags(): Tags {
  const functions = ['Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Not', 'And', 'Or', 'Select', 'Split', 'Sub', 'Transform'];
  const key = (name: string): string => (name === 'Ref' ? 'Ref' : name === 'Condition' ? 'Condition' : `Fn::${name}`);
  const tags: Tags = [];
  for (const name of [...functions, 'Ref', 'Condition', 'GetAtt']) {
    const scalar = name === 'GetAtt' ? (v: string) => ({ 'Fn::GetAtt': v.split('.') }) : (v: string) => ({ [key(name)]: v });
    tags.push({ tag: `!${name}`, resolve: (v: string) => scalar(v) });
    tags.push({ tag: `!${name}`, collection: 'seq', resolve: (v: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [key(name)]: v.toJSON() }) });
    tags.push({ tag: `!${name}`, collection: 'map', resolve: (v: YAMLSeq.Parsed | YAMLMap.Parsed) => ({ [key(name)]: v.toJSON() }) });
  }
  return tags;
}

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: Record<string, unknown>;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Template {
  AWSTemplateFormatVersion: string;
  Parameters?: Record<string, { Type: string }>;
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown }>;
}

async function template(name: string): Promise<Template> {
  const text = await readFile(join(ROOT, 'infra', 'iam', name), 'utf8');
  return parse(text, { customTags: cloudFormationTags(), version: '1.1' }) as Template;
}

const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('infra/iam/gameday-role.yaml', () => {
  it('parses, and attaches exactly the committed infra/iam/gameday-policy.json to the role', async () => {
    const t = await template('gameday-role.yaml');
    assert.equal(t.AWSTemplateFormatVersion, '2010-09-09');
    const policy = JSON.parse(await readFile(join(ROOT, 'infra', 'iam', 'gameday-policy.json'), 'utf8')) as unknown;
    const managed = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy');
    assert.equal(managed.length, 1);
    const [policyName, policyResource] = managed[0] ?? ['', undefined];
    assert.deepEqual(policyResource?.Properties.PolicyDocument, policy, 'regenerate with: npm run build && node scripts/iam-policy.mjs');
    const role = Object.values(t.Resources).find((r) => r.Type === 'AWS::IAM::Role');
    assert.ok(role !== undefined);
    assert.deepEqual(role.Properties.ManagedPolicyArns, [{ Ref: policyName }]);
    assert.equal(role.Properties.Policies, undefined, 'no other permissions');
  });

  it('lets only the operator principal assume the role, and only with the external id', async () => {
    const t = await template('gameday-role.yaml');
    const role = Object.values(t.Resources).find((r) => r.Type === 'AWS::IAM::Role');
    const trust = (role?.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    assert.deepEqual(trust, [
      {
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'OperatorPrincipalArn' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
      },
    ]);
    assert.equal(t.Parameters?.OperatorPrincipalArn?.Type, 'String');
    assert.equal(t.Parameters?.ExternalId?.Type, 'String');
    assert.deepEqual(t.Outputs.RoleArn?.Value, { 'Fn::GetAtt': ['GamedayRole', 'Arn'] });
  });
});

describe('infra/iam/fis-service-role.yaml', () => {
  /** What each FIS action gameday's templates use needs from the experiment role (AWS FIS actions reference). */
  const NEEDED: Record<string, string[]> = {
    'aws:ec2:stop-instances': ['ec2:StopInstances', 'ec2:StartInstances', 'ec2:DescribeInstances'],
    'aws:ec2:terminate-instances': ['ec2:TerminateInstances', 'ec2:DescribeInstances'],
    'aws:rds:failover-db-cluster': ['rds:FailoverDBCluster', 'rds:DescribeDBClusters', 'tag:GetResources'],
    'aws:rds:reboot-db-instances': ['rds:RebootDBInstance', 'rds:DescribeDBInstances', 'tag:GetResources'],
    'aws:network:disrupt-connectivity': [
      'ec2:CreateNetworkAcl',
      'ec2:CreateNetworkAclEntry',
      'ec2:CreateTags',
      'ec2:DeleteNetworkAcl',
      'ec2:DescribeManagedPrefixLists',
      'ec2:DescribeNetworkAcls',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
      'ec2:GetManagedPrefixListEntries',
      'ec2:ReplaceNetworkAclAssociation',
    ],
    'stop conditions': ['cloudwatch:DescribeAlarms'],
  };

  it('parses, is trusted by FIS of this account only, and outputs the role ARN', async () => {
    const t = await template('fis-service-role.yaml');
    const role = Object.values(t.Resources).find((r) => r.Type === 'AWS::IAM::Role');
    assert.ok(role !== undefined);
    const [trust] = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    assert.deepEqual(trust?.Principal, { Service: 'fis.amazonaws.com' });
    assert.equal(trust?.Action, 'sts:AssumeRole');
    assert.deepEqual(trust?.Condition?.StringEquals, { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    assert.deepEqual(t.Outputs.RoleArn?.Value, { 'Fn::GetAtt': ['FisExperimentRole', 'Arn'] });
  });

  it('grants what each FIS action gameday uses needs, changes to instances and databases only on tagged ones', async () => {
    const t = await template('fis-service-role.yaml');
    const role = Object.values(t.Resources).find((r) => r.Type === 'AWS::IAM::Role');
    const statements = ((role?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []).flatMap(
      (p) => p.PolicyDocument.Statement,
    );
    const granted = new Set(statements.flatMap(actions));
    for (const [fisAction, needed] of Object.entries(NEEDED)) {
      assert.deepEqual(
        needed.filter((a) => !granted.has(a)),
        [],
        `${fisAction} lacks permissions`,
      );
    }
    const extra = [...granted].filter((a) => !Object.values(NEEDED).flat().includes(a) && a !== 'kms:CreateGrant');
    assert.deepEqual(extra, [], 'permissions no FIS action gameday uses needs');
    for (const s of statements) {
      const changes = actions(s).filter((a) => /^(ec2:(Stop|Start|Terminate)Instances|rds:(FailoverDBCluster|RebootDBInstance))$/.test(a));
      if (changes.length === 0) continue;
      const conditions = Object.keys(s.Condition?.StringEquals ?? {});
      assert.ok(
        conditions.some((k) => /^(aws:ResourceTag|rds:db-tag|rds:cluster-tag)\/gameday:allowed$/.test(k)),
        `${s.Sid ?? '?'}: ${changes.join(', ')} not limited to tagged resources`,
      );
    }
  });
});
