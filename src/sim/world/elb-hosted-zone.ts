/** Route 53 hosted zone ids of Application Load Balancers, for alias targets (AWS's published table, a few regions). */
const ELB_ZONE_IDS: Record<string, string> = {
  'us-east-1': 'Z35SXDOTRQ7X7K',
  'us-east-2': 'Z3AADJGX6KTTL2',
  'us-west-1': 'Z368ELLRRE2KJ0',
  'us-west-2': 'Z1H1FL5HABSF5',
  'eu-west-1': 'Z32O12XQLNTSW2',
  'eu-central-1': 'Z215JYRZR1TBD5',
  'ap-northeast-1': 'Z14GRHDCWA56QT',
};

/** The canonical hosted zone id of a region's Application Load Balancers (alias targets). */
export function elbHostedZoneId(region: string): string {
  return ELB_ZONE_IDS[region] ?? 'Z35SXDOTRQ7X7K';
}
