/**
 * AWS FIS experiment templates as gameday reads and writes them: the body of CreateExperimentTemplate (what
 * `gameday fis export` writes, `gameday fis import` reads, and `aws.fis.experiment` creates from its `template`).
 */
import { z } from 'zod';

const tags = z.record(z.string(), z.string());

export const fisTarget = z.object({
  resourceType: z.string().min(1),
  resourceArns: z.array(z.string()).min(1).optional(),
  resourceTags: tags.optional(),
  filters: z.array(z.object({ path: z.string().min(1), values: z.array(z.string()).min(1) })).optional(),
  selectionMode: z.string().regex(/^(ALL|COUNT\(\d+\)|PERCENT\(\d+\))$/, { error: 'selectionMode is ALL, COUNT(n) or PERCENT(n)' }),
  parameters: z.record(z.string(), z.string()).optional(),
});

export const fisAction = z.object({
  actionId: z.string().regex(/^aws:[a-z0-9-]+:[a-z0-9-]+$/, { error: 'an FIS actionId looks like aws:ec2:stop-instances' }),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.string()).optional(),
  targets: z.record(z.string(), z.string()).optional(),
  startAfter: z.array(z.string()).optional(),
});

/** The CreateExperimentTemplate body (without clientToken). */
export const fisTemplate = z.object({
  description: z.string().min(1),
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { error: 'roleArn is the ARN of the FIS service role (arn:aws:iam::123456789012:role/…)' }),
  targets: z.record(z.string(), fisTarget).default({}),
  actions: z.record(z.string(), fisAction).refine((a) => Object.keys(a).length > 0, { error: 'a template needs at least one action' }),
  stopConditions: z.array(z.object({ source: z.enum(['none', 'aws:cloudwatch:alarm']), value: z.string().optional() })).default([{ source: 'none' }]),
  tags: tags.optional(),
});

export type FisTemplateBody = z.output<typeof fisTemplate>;
export type FisTargetBody = z.output<typeof fisTarget>;
export type FisActionBody = z.output<typeof fisAction>;

/** The last path segment of an ARN (`…:instance/i-1` → `i-1`, `…:db:orders` → `orders`). */
export function arnId(arn: string): string {
  return arn.replace(/^.*[:/]/, '');
}
