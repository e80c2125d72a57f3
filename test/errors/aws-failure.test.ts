import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DescribeInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { awsSend } from '../../src/aws/call.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import type { CallRecord } from '../../src/core/call-record.js';
import { ActionFailedError, AwsCallError, isRetryable } from '../../src/errors/action-error.js';
import { classifyAwsFailure } from '../../src/errors/aws-failure.js';
import { failureVerdict } from '../../src/engine/run/verdict.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** An endpoint that answers every EC2 call with one error of AWS's own wire shape and HTTP status. */
async function ec2ErrorEndpoint(status: number, code: string, message: string): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Sends `command` through gameday's call path (`awsSend`) to `endpoint`, once, and returns what it threw. */
async function failedCall(endpoint: string, command: DescribeInstancesCommand | StopInstancesCommand): Promise<{ error: AwsCallError; calls: CallRecord[] }> {
  const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  const calls: CallRecord[] = [];
  try {
    await awsSend({ signal: new AbortController().signal, aws, recordCall: (c) => calls.push(c) }, 'ec2', command);
  } catch (error) {
    assert.ok(error instanceof AwsCallError, `an AwsCallError, not ${String(error)}`);
    return { error, calls };
  } finally {
    await aws.destroy();
  }
  assert.fail('the call succeeded');
}

describe('AWS call failures: refused by AWS, or never reached it', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('says a connection refused could not reach the endpoint, names it and the operation, and may pass', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const { error, calls } = await failedCall(endpoint, new DescribeInstancesCommand({}));
    assert.equal(error.message, `Could not reach the EC2 endpoint ${endpoint} for DescribeInstances: connect ECONNREFUSED 127.0.0.1:${port}.`);
    assert.doesNotMatch(error.message, /AWS refused/);
    assert.equal(error.kind, 'unreachable');
    assert.equal(error.reachedAws, false);
    assert.equal(error.awsName, 'ECONNREFUSED');
    assert.equal(isRetryable(error), true);
    // A fault that could not reach AWS did not fail on its own: AWS could not be used.
    assert.equal(failureVerdict(error), 'errored');
    assert.equal(calls[0]?.error?.name, 'ECONNREFUSED');
  });

  it('says a name that does not resolve could not reach the endpoint', async () => {
    const { error } = await failedCall('http://gameday-no-such-host.invalid', new DescribeInstancesCommand({}));
    assert.match(
      error.message,
      /^Could not reach the EC2 endpoint http:\/\/gameday-no-such-host\.invalid for DescribeInstances: getaddrinfo (ENOTFOUND|EAI_AGAIN)/,
    );
    assert.equal(isRetryable(error), true);
  });

  let refused: { endpoint: string };
  let throttled: { endpoint: string };
  let failing: { endpoint: string };
  before(async () => {
    const made = await Promise.all([
      ec2ErrorEndpoint(400, 'UnauthorizedOperation', 'You are not authorized to perform this operation.'),
      ec2ErrorEndpoint(400, 'RequestLimitExceeded', 'Request limit exceeded.'),
      ec2ErrorEndpoint(503, 'Unavailable', 'The service is unavailable.'),
    ]);
    servers.push(...made.map((m) => m.server));
    [refused, throttled, failing] = made as [typeof refused, typeof throttled, typeof failing];
  });

  it("keeps 'AWS refused' for AWS's own refusal, which is not retried", async () => {
    const { error } = await failedCall(refused.endpoint, new StopInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }));
    assert.equal(error.message, 'AWS refused ec2:StopInstances (UnauthorizedOperation): You are not authorized to perform this operation.');
    assert.equal(error.kind, 'refused');
    assert.equal(error.reachedAws, true);
    assert.equal(isRetryable(error), false);
  });

  it('retries throttling and a service failure (5xx), which AWS answered', async () => {
    const slow = await failedCall(throttled.endpoint, new DescribeInstancesCommand({}));
    assert.equal(slow.error.kind, 'throttled');
    assert.match(slow.error.message, /^AWS refused ec2:DescribeInstances \(RequestLimitExceeded\)/);
    assert.equal(isRetryable(slow.error), true);
    const down = await failedCall(failing.endpoint, new DescribeInstancesCommand({}));
    assert.equal(down.error.kind, 'server');
    assert.equal(isRetryable(down.error), true);
  });

  it("retries an action's failure only when the action says so or its cause may pass", async () => {
    const { error } = await failedCall(refused.endpoint, new DescribeInstancesCommand({}));
    assert.equal(isRetryable(new ActionFailedError('The instances are still stopping.', { retryable: true })), true);
    assert.equal(isRetryable(new ActionFailedError('Nothing to start.')), false);
    assert.equal(isRetryable(new ActionFailedError('Refused.', { cause: error })), false);
    assert.equal(isRetryable(new Error('a plain error')), false);
    // An abort is the deadline speaking, not a failure to wait out.
    assert.equal(classifyAwsFailure(Object.assign(new Error('aborted'), { name: 'AbortError' })), 'aborted');
  });
});
