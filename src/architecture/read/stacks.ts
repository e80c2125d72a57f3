import { parse } from 'yaml';
import { sdk } from '../../aws/sdk.js';
import type { Stack } from '../model.js';
import { allPages, readPart, type ReadContext } from './reading.js';

/** The tag CloudFormation puts on the resources of a stack (CloudFormation user guide, "Resource tags"). */
const STACK_TAG = 'aws:cloudformation:stack-name';

/**
 * The CloudFormation stacks that own the Auto Scaling groups read: their resources and the UpdatePolicy each group's
 * template gives, which no Auto Scaling API shows (it says how CloudFormation replaces instances on an update).
 */
export async function readStacks(ctx: ReadContext): Promise<void> {
  const { arch, options } = ctx;
  const names = [...new Set(arch.autoScalingGroups.flatMap((g) => (g.tags[STACK_TAG] === undefined ? [] : [g.tags[STACK_TAG]])))].sort();
  if (names.length === 0) return;
  const client = await ctx.aws.cloudFormation();
  const { DescribeStacksCommand, paginateListStackResources, GetTemplateCommand } = await sdk.cloudFormation();
  for (const name of names) {
    await readPart(ctx, 'DescribeStacks, ListStackResources and GetTemplate', `cloudformation stack ${name}`, async () => {
      const described = await client.send(new DescribeStacksCommand({ StackName: name }), options);
      const resources = await allPages(paginateListStackResources({ client }, { StackName: name }, options), (p) => p.StackResourceSummaries);
      const template = await client.send(new GetTemplateCommand({ StackName: name, TemplateStage: 'Original' }), options);
      const stack: Stack = {
        name,
        id: described.Stacks?.[0]?.StackId ?? name,
        resources: resources.map((r) => ({ logicalId: r.LogicalResourceId ?? '', type: r.ResourceType ?? '', physicalId: r.PhysicalResourceId })),
        updatePolicies: [],
      };
      const body = templateResources(template.TemplateBody ?? '');
      if (body === undefined) arch.unmodelled.push({ resource: stack.id, what: 'Its template could not be parsed, so no UpdatePolicy is known.' });
      for (const r of stack.resources) {
        if (r.type !== 'AWS::AutoScaling::AutoScalingGroup' || r.physicalId === undefined) continue;
        const policy = body?.[r.logicalId]?.UpdatePolicy;
        for (const kind of Object.keys(policy ?? {}))
          if (kind.startsWith('AutoScaling')) stack.updatePolicies.push({ autoScalingGroup: r.physicalId, policy: kind });
      }
      arch.stacks.push(stack);
    });
  }
}

/**
 * A template's resources. Templates are JSON or YAML; YAML's short-form intrinsics (`!Ref`, `!GetAtt`) are tags the
 * parser does not know: they are read as plain values, which is enough to find each resource's UpdatePolicy.
 */
function templateResources(text: string): Record<string, { UpdatePolicy?: Record<string, unknown> }> | undefined {
  try {
    const doc = parse(text, { logLevel: 'silent' }) as { Resources?: Record<string, { UpdatePolicy?: Record<string, unknown> }> } | null;
    return doc?.Resources ?? {};
  } catch {
    return undefined;
  }
}
