import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { checkMethodFor, permissionChecks, principalOf } from '../../src/aws/permissions-check.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { permissionsFor } from '../../src/safety/iam-policy.js';
import { checkCredentials, checkEndpoint, checkRegion } from '../../src/cli/doctor-checks.js';

describe('doctor checks', () => {
  it('reads LocalStack’s health and names the services it lacks', async () => {
    const services = {
      ec2: 'running',
      sts: 'available',
      iam: 'available',
      autoscaling: 'available',
      elbv2: 'running',
      rds: 'disabled',
      route53: 'available',
      cloudwatch: 'available',
      s3: 'available',
    };
    const server = createServer((req, res) => {
      if (req.url === '/_localstack/health') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ services, edition: 'community' }));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.deepEqual(await checkEndpoint(endpoint, 'localstack'), {
        check: 'endpoint',
        status: 'warn',
        detail: `${endpoint} answers: LocalStack with autoscaling, cloudwatch, ec2, elbv2, iam, route53, s3, sts available; not available: rds (faults and probes on them will fail)`,
      });
      // The same server is no simulated region.
      assert.equal(
        (await checkEndpoint(endpoint, 'sim')).detail,
        `${endpoint} answers, but not as a simulated region (GET /_sim/health: 404): is it a \`gameday sim\`?`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('checks the region’s shape and says where it came from', () => {
    assert.deepEqual(checkRegion('eu-west-1', '--region', 'aws'), { check: 'region', status: 'ok', detail: 'eu-west-1 (from --region)' });
    assert.equal(checkRegion('us-east-1', undefined, 'aws').status, 'warn');
    assert.equal(checkRegion('us-east-1', undefined, 'sim').status, 'ok');
    assert.match(checkRegion('Europe', 'AWS_REGION', 'aws').detail, /^'Europe' \(from AWS_REGION\) is not an AWS region name/);
  });

  it('tells expired credentials from valid ones', async () => {
    const saved = { ...process.env };
    process.env.AWS_CONFIG_FILE = '/nonexistent/gameday-config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/gameday-credentials';
    process.env.AWS_ACCESS_KEY_ID = 'ASIAEXPIREDSESSION01';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_SESSION_TOKEN = 'token';
    delete process.env.AWS_PROFILE;
    try {
      process.env.AWS_CREDENTIAL_EXPIRATION = new Date(Date.now() - 60_000).toISOString();
      const expired = new AwsClientFactory({ kind: 'aws', region: 'us-east-1' });
      const result = await checkCredentials(expired);
      await expired.destroy();
      assert.equal(result.status, 'fail');
      assert.match(result.detail, /^environment variables \(AWS_ACCESS_KEY_ID\), access key ASIA…ON01, expired at \S+: renew them$/);

      process.env.AWS_CREDENTIAL_EXPIRATION = new Date(Date.now() + 3_600_000).toISOString();
      const valid = new AwsClientFactory({ kind: 'aws', region: 'us-east-1' });
      const ok = await checkCredentials(valid);
      await valid.destroy();
      assert.equal(ok.status, 'ok');
      assert.match(ok.detail, /, valid for (59|60) more minutes$/);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('permission checks', () => {
  it('checks EC2’s mutating calls by dry run, list calls by reading, and the rest by IAM simulation', () => {
    assert.equal(checkMethodFor('ec2:StopInstances'), 'dry-run');
    assert.equal(checkMethodFor('ec2:DescribeInstances'), 'read');
    assert.equal(checkMethodFor('rds:FailoverDBCluster'), 'simulate');
    assert.deepEqual(permissionChecks(permissionsFor(defaultRegistry(), ['aws.ec2.stop-instances'])), [
      { iamAction: 'ec2:DescribeInstances', how: 'read' },
      { iamAction: 'ec2:StartInstances', how: 'dry-run' },
      { iamAction: 'ec2:StopInstances', how: 'dry-run' },
    ]);
    assert.deepEqual(permissionsFor(defaultRegistry(), ['http', 'tcp']), []);
  });

  it('simulates the policies of the user or role behind the caller', () => {
    assert.equal(principalOf('arn:aws:iam::123456789012:user/ops/alice'), 'arn:aws:iam::123456789012:user/ops/alice');
    assert.equal(principalOf('arn:aws:sts::123456789012:assumed-role/gameday-chaos/gameday-gd-1'), 'arn:aws:iam::123456789012:role/gameday-chaos');
    assert.equal(principalOf('arn:aws-cn:sts::123456789012:assumed-role/r/s'), 'arn:aws-cn:iam::123456789012:role/r');
    assert.equal(principalOf('arn:aws:sts::123456789012:federated-user/bob'), undefined);
  });
});
