import type { Architecture } from '../architecture/model.js';
import { AwsClientFactory } from '../aws/client-factory.js';
import type { AwsClients } from '../aws/clients.js';
import { sdk } from '../aws/sdk.js';
import { awsTargetFor } from '../aws/target.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import type { EnvironmentSpec } from '../experiment/schema.js';
import { judgeAccount } from '../safety/accounts.js';
import { operatorPolicyFrom } from '../safety/plan.js';
import { openAuditLog } from './audit-log.js';
import { speedFromEnvironment, startSimRegion } from './sim-host.js';

/** Where an architecture is read from: a live account (or an emulator's endpoint), or a file a simulated region loads. */
export interface ArchitectureSourceOptions {
  account?: { endpoint?: string; region?: string; profile?: string; roleArn?: string; accountIds: string[] };
  template?: string;
  topology?: string;
  auditLog?: string;
}

/**
 * Speed of a region started only to be read. Reading takes no simulated time, but the region answers only once its
 * groups are in service and its targets healthy: minutes of AWS time, seconds at this speed (GAMEDAY_SPEED overrides).
 */
const READ_SPEED = 60;

/**
 * Opens the source of an architecture for `gameday twin` and `gameday audit`: AWS clients on a live account (the
 * profile, role and region a run would use, refused before any other read when STS names an account outside
 * `accountIds` or GAMEDAY_ALLOWED_ACCOUNT_IDS), or a simulated region started here with a topology or a
 * CloudFormation template and read over HTTP like any account. Every call goes to the audit log when one is named.
 * `close()` stops the region, the clients and the log.
 */
export async function openArchitectureSource(
  options: ArchitectureSourceOptions,
): Promise<{ aws: AwsClients; source: Architecture['source']; close(): Promise<void> }> {
  const files = [options.template, options.topology].filter((f) => f !== undefined);
  if (files.length + (options.account === undefined ? 0 : 1) !== 1) {
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      'Read one source: an account (--account, --endpoint, --profile, --role-arn), --template FILE or --topology FILE.',
      {
        exitCode: ExitCode.InvalidInput,
      },
    );
  }
  const log = options.auditLog === undefined ? undefined : await openAuditLog(options.auditLog);
  const session = `read-${new Date().toISOString()}`;
  let stopRegion: (() => Promise<void>) | undefined;
  let aws: AwsClientFactory | undefined;
  try {
    let source: Architecture['source'];
    if (options.account === undefined) {
      const file = (options.template ?? options.topology) as string;
      const region = await startSimRegion(file, speedFromEnvironment() ?? READ_SPEED);
      stopRegion = () => region.stop();
      const outputs = region.outputs();
      const spec = { type: 'sim', region: outputs['region.name'] } as EnvironmentSpec;
      aws = new AwsClientFactory(awsTargetFor(spec, process.env, { endpoint: region.endpoint, region: outputs['region.name'] ?? 'us-east-1' }, 'twin'));
      source = { kind: options.template === undefined ? 'topology' : 'template', name: file, endpoint: region.endpoint };
    } else {
      const a = options.account;
      // An endpoint without a profile or a role is an emulator (LocalStack, moto, a running `gameday sim`): static
      // test credentials, so a mistyped endpoint can never sign with the machine's live credentials.
      const live = a.endpoint === undefined || a.profile !== undefined || a.roleArn !== undefined;
      // awsTargetFor reads only where and as whom (type, region, endpoint, profile, role) of an experiment's environment.
      const spec = { type: live ? 'aws' : 'localstack', region: a.region, endpoint: a.endpoint, profile: a.profile, roleArn: a.roleArn } as EnvironmentSpec;
      aws = new AwsClientFactory(awsTargetFor(spec, process.env, undefined, 'twin'));
      source = { kind: 'account', name: '', endpoint: a.endpoint };
    }
    if (log !== undefined) aws.onCall((entry) => log.write(session, entry));
    const account = await guardAccount(aws, options.account?.accountIds ?? []);
    if (source.kind === 'account') source.name = `account ${account} (${aws.target.region})`;
    const clients = aws;
    return {
      aws: clients,
      source,
      close: async () => {
        await clients.destroy();
        await stopRegion?.();
        await log?.close();
      },
    };
  } catch (error) {
    await aws?.destroy();
    await stopRegion?.();
    await log?.close();
    throw error;
  }
}

/** Asks STS whose credentials these are and refuses an account outside the allow-lists; gives the account id. */
async function guardAccount(aws: AwsClients, accountIds: readonly string[]): Promise<string> {
  const { GetCallerIdentityCommand } = await sdk.sts();
  const identity = await (await aws.sts()).send(new GetCallerIdentityCommand({})).catch((error: unknown) => {
    const message = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
    throw new GamedayError(ErrorCode.AwsCallFailed, `Cannot tell whose account this is (STS GetCallerIdentity): ${message}.`, { cause: error });
  });
  const account = identity.Account ?? 'unknown';
  const as = identity.Arn === undefined ? '' : ` as ${identity.Arn}`;
  const pinned = operatorPolicyFrom(process.env).allowedAccountIds ?? [];
  const verdict = judgeAccount(identity.Account, [
    { name: '--allowed-account', ids: accountIds },
    { name: 'GAMEDAY_ALLOWED_ACCOUNT_IDS', ids: pinned },
  ]);
  if (!verdict.allowed)
    throw new GamedayError(
      ErrorCode.Refused,
      `The credentials belong to account ${account}${as}, which is not in ${verdict.refusedBy.name} (${verdict.refusedBy.ids.join(', ')}); nothing was read.`,
      { exitCode: ExitCode.Refused },
    );
  return account;
}
