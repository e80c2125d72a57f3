/** Request parameters that name AWS resources: ids, identifiers, names and ARNs, singular or plural. */
const NAMING = /(Ids?|Identifiers?|Names?|Arns?|ARNs?)$/;

/**
 * The resources an AWS call was aimed at, read from its request (`InstanceIds`, `DBInstanceIdentifier`,
 * `AutoScalingGroupName`, …), so that a report says what a fault touched and not only which operation it called.
 */
export function callResources(request: Readonly<Record<string, unknown>>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(request)) {
    if (!NAMING.test(key)) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) if (typeof v === 'string' && v !== '' && !out.includes(v)) out.push(v);
  }
  return out;
}
