import { z } from 'zod';
import { awsRegion } from './fields.js';

/**
 * The `safety` section of an experiment: what gameday may touch, checked against the resolved plan before anything
 * runs. The defaults are the cautious ones: one AZ at a time, never a group's last healthy instance.
 */
export const safetyPolicy = z
  .strictObject({
    allowedRegions: z.array(awsRegion()).default([]).meta({
      description:
        'Regions the run may act in; empty allows the environment’s region. A fault that takes a whole Region (aws.scenario.region-outage) needs its Region listed here.',
    }),
    requireTags: z.record(z.string(), z.string()).optional().meta({
      description: 'Opt-in: only resources carrying every one of these tags can be selected, whatever the targets say (for example gameday:allowed: "true").',
    }),
    maxTargets: z.number().int().min(1).optional().meta({ description: 'Most resources the whole run may touch.' }),
    maxTargetsPerFault: z.number().int().min(1).optional().meta({ description: 'Most resources one fault may touch.' }),
    maxGroupPercent: z.number().min(0).max(100).optional().meta({ description: 'Largest share (%) of an Auto Scaling group’s instances one run may touch.' }),
    allowLastHealthy: z.boolean().default(false).meta({ description: 'Allow touching every healthy instance of an Auto Scaling group.' }),
    maxZones: z.number().int().min(1).default(1).meta({ description: 'Most Availability Zones the run may touch at once.' }),
  })
  .default({ allowedRegions: [], allowLastHealthy: false, maxZones: 1 });

export type SafetyPolicy = z.output<typeof safetyPolicy>;
