import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { isCloudFormationTemplate, parseTemplateYaml } from './cloudformation/template-yaml.js';
import { translateTemplate } from './cloudformation/translate.js';
import { z } from 'zod';
import { edgeZoneSchema, parseEdgeZone, type EdgeZone } from './edge-zones.js';
import { simDuration } from './duration.js';
import { ALB_HEALTH_CHECK } from './timing-table.js';
import { timings } from './topology-timings.js';
import { SCALING_PROCESSES } from './world/auto-scaling-group.js';
import { checkClientLocations, clientLocationSchema } from './clients.js';
import { AWS_LOCATIONS } from './world/aws-locations.js';

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, { error: 'names are letters, digits and -, at most 32' });

const healthCheck = z.strictObject({
  path: z.string().startsWith('/').default(ALB_HEALTH_CHECK.path),
  interval: simDuration().default(ALB_HEALTH_CHECK.interval),
  timeout: simDuration().default(ALB_HEALTH_CHECK.timeout),
  healthyThreshold: z.number().int().min(2).max(10).default(ALB_HEALTH_CHECK.healthyThreshold),
  unhealthyThreshold: z.number().int().min(2).max(10).default(ALB_HEALTH_CHECK.unhealthyThreshold),
  matcher: z
    .string()
    .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/)
    .default(ALB_HEALTH_CHECK.matcher),
});

/** The image a launch template declares when it names none (the schema's default). */
const DEFAULT_IMAGE_ID = 'ami-0gameday00000000';

const appName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'an app name is letters, digits, ., _ and -, at most 64' });

/**
 * One app version (`apps`): how the software of an image behaves once its instance serves. Durations: `latency` is
 * wall time added to every answer (network-like, not divided by the region's speed), `crashAfter` is AWS time.
 */
const app = z.strictObject({
  name: appName,
  imageId: z.string().regex(/^ami-[0-9a-z]{1,32}$/, { error: 'an image id such as ami-0abc1234' }),
  /** `failing`: `/health` answers 500, so a target group's checks mark the instance unhealthy. @defaultValue 'passing' */
  health: z.enum(['passing', 'failing']).default('passing'),
  /** A share of the answers on `paths` (default every path but /health) are `status` (a 5xx, default 500). */
  errors: z
    .strictObject({
      rate: z.number().min(0).max(1),
      paths: z.array(z.string().startsWith('/')).min(1).optional(),
      status: z.number().int().min(500).max(599).default(500),
    })
    .optional(),
  /** Wall time added to every answer. */
  latency: simDuration().optional(),
  /** The process exits this long (AWS time) after it starts, refusing connections until a reboot, start or replacement. */
  crashAfter: simDuration().optional(),
  /**
   * The app's database: with one, the app serves `/orders` (GET: the count and latest ten orders; POST: a new order,
   * 201 with its id; GET `/orders/<id>`: one order or 404) from it over the PostgreSQL protocol, answering 503 when the
   * database fails and 504 when a query outlasts `timeout`. Without one, `/orders` is not found (the default app).
   */
  database: z
    .strictObject({
      /** A DB instance (`databases`) or a DB cluster (`dbClusters`, its writer endpoint) of the same Region. */
      id: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'a DB identifier is lower-case letters, digits and -' }),
      /**
       * How the app resolves the endpoint's name through the region's DNS. `ttl`: again whenever the answer's TTL
       * (5 s for an RDS endpoint) has passed, so it follows the record's flip to the standby after a Multi-AZ failover,
       * which is how clients must reconnect (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html).
       * `forever`: once, at first use, keeping the address until the process restarts, as a JVM with
       * `networkaddress.cache.ttl=-1` does; AWS warns against it for this reason
       * (https://docs.aws.amazon.com/sdk-for-java/latest/developer-guide/jvm-ttl-dns.html). @defaultValue 'ttl'
       */
      dns: z.enum(['ttl', 'forever']).default('ttl'),
      /** Most connections open at once; a request waits for a free one within its timeout. @defaultValue 5 (assumed: a small app pool) */
      pool: z.number().int().min(1).max(100).default(5),
      /** Attempts after the first, per query, on a connection error, each on a new connection. @defaultValue 1 (assumed) */
      retries: z.number().int().min(0).max(10).default(1),
      /** Wall time one attempt (resolving, connecting, querying) may take, like `latency`. @defaultValue 2s (assumed: a common client default) */
      timeout: simDuration().default(2_000),
    })
    .optional(),
  /**
   * What `/health` checks. `shallow`: the process is up (200). `deep`: it runs `SELECT 1` through the app's pool and
   * answers 503 when that fails or outlasts the timeout, so a target group takes every target out while the database
   * is down. Deep needs `database`. @defaultValue 'shallow'
   */
  healthCheck: z.enum(['shallow', 'deep']).default('shallow'),
});

export type TopologyApp = z.output<typeof app>;

const loopback = z
  .string()
  .regex(/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/, { error: 'a loopback IPv4 address 127.x.y.z' });

/**
 * A Route 53 health check: `target` is `alb:<load balancer name>`, `<ipv4>:<port>` or `<domain name>:<port>` (probed
 * at what the region's DNS answers for the name).
 */
const route53HealthCheck = z.strictObject({
  name,
  type: z.enum(['HTTP', 'HTTPS', 'TCP']).default('HTTP'),
  target: z.string().regex(/^(alb:[A-Za-z][A-Za-z0-9-]{0,31}|\d{1,3}(\.\d{1,3}){3}:\d{1,5}|([A-Za-z0-9-]+\.)+[A-Za-z]{2,}\.?:\d{1,5})$/, {
    error: "a target is 'alb:<load balancer>', '<ipv4>:<port>' or '<domain name>:<port>'",
  }),
  resourcePath: z.string().startsWith('/').default('/'),
  /** Seconds between checks: 10 (fast) or 30. */
  requestInterval: z.union([z.literal(10), z.literal(30)]).default(30),
  failureThreshold: z.number().int().min(1).max(10).default(3),
  /** Checker regions (at least three, as Route 53 requires); all eight when omitted, as in Route 53. */
  regions: z
    .array(z.enum(['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1']))
    .min(3, { error: 'a health check needs at least three checker regions' })
    .optional(),
  inverted: z.boolean().default(false),
  disabled: z.boolean().default(false),
  tags: z.record(z.string(), z.string()).default({}),
});

/** A record set of a hosted zone; `name` is relative to the zone (`www`, `@` for the apex) or absolute. */
const route53Record = z.strictObject({
  name: z.string().min(1),
  type: z.enum(['A', 'AAAA', 'CNAME', 'TXT']).default('A'),
  ttl: z.number().int().min(0).max(2_147_483_647).default(60),
  values: z.array(z.string().min(1)).min(1).optional(),
  /**
   * `alb:<load balancer name>`: an alias A record to the ALB (TTL 60, as Route 53 gives aliases to ELB);
   * `dns:<domain name>`: an alias to a name outside the region (another stack's ALB), which the region cannot answer.
   */
  alias: z
    .string()
    .regex(/^(alb:[A-Za-z][A-Za-z0-9-]{0,31}|dns:([A-Za-z0-9-]+\.)+[A-Za-z]{2,}\.?)$/)
    .optional(),
  /** Hosted zone id of a `dns:` alias target (default: the region's ALB zone). */
  aliasHostedZoneId: z
    .string()
    .regex(/^Z[A-Z0-9]{1,31}$/)
    .optional(),
  evaluateTargetHealth: z.boolean().default(false),
  setIdentifier: z.string().min(1).max(128).optional(),
  failover: z.enum(['PRIMARY', 'SECONDARY']).optional(),
  weight: z.number().int().min(0).max(255).optional(),
  /** Latency routing: the Region of the resource (the client's `latency` table decides). */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'a Region name such as eu-central-1' })
    .optional(),
  /** Geolocation routing: a continent, or a country (`'*'`: the default record) with an optional US state. */
  geolocation: z
    .strictObject({
      continent: z.enum(['AF', 'AN', 'AS', 'EU', 'OC', 'NA', 'SA']).optional(),
      country: z
        .string()
        .regex(/^([A-Z]{2}|\*)$/, { error: "an ISO 3166-1 alpha-2 country code such as JP, or '*' for the default" })
        .optional(),
      subdivision: z
        .string()
        .regex(/^[A-Z0-9]{1,3}$/, { error: 'a US state code such as WA' })
        .optional(),
    })
    .optional(),
  /** Multivalue answer routing: up to eight healthy records of the name, drawn at random. */
  multiValueAnswer: z.literal(true).optional(),
  /** Geoproximity routing: where the resource is (one of region, localZoneGroup, coordinates) and the bias. */
  geoproximity: z
    .strictObject({
      region: z.string().optional(),
      localZoneGroup: z.string().optional(),
      coordinates: z
        .strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) })
        .refine((c) => Number.isInteger(c.latitude * 100) && Number.isInteger(c.longitude * 100), { error: 'coordinates have at most two decimals' })
        .optional(),
      bias: z.number().int().min(-99).max(99).optional(),
    })
    .optional(),
  /** Name of a health check of `healthChecks`. */
  healthCheck: name.optional(),
});

const hostedZone = z.strictObject({
  name: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}\.?$/i, { error: 'a domain name such as example.com' }),
  records: z.array(route53Record).default([]),
});

type TopologyRecord = z.output<typeof route53Record>;

const POLICY_FIELDS = ['failover', 'weight', 'region', 'geolocation', 'multiValueAnswer', 'geoproximity'] as const;

/** The routing policy fields a record sets. */
function policyFields(r: TopologyRecord): string[] {
  return POLICY_FIELDS.filter((k) => r[k] !== undefined);
}

/** One record's routing: a setIdentifier exactly with a policy, one policy, and each policy's own rules (as Route 53 refuses them). */
function checkRouting(r: TopologyRecord, where: string): void {
  const policies = policyFields(r);
  if (policies.length > 0 !== (r.setIdentifier !== undefined))
    throw new Error(`${where} needs setIdentifier exactly when it has a routing policy (${POLICY_FIELDS.join(', ')}).`);
  if (policies.length > 1) throw new Error(`${where} has more than one routing policy (${policies.join(', ')}); a record has one.`);
  const g = r.geolocation;
  if (g !== undefined) {
    if (g.continent !== undefined && (g.country !== undefined || g.subdivision !== undefined))
      throw new Error(`${where} geolocation takes a continent alone, or a country with an optional subdivision.`);
    if (g.continent === undefined && g.country === undefined) throw new Error(`${where} geolocation needs a continent or a country ('*' for the default).`);
    if (g.subdivision !== undefined && g.country !== 'US')
      throw new Error(`${where} geolocation subdivision needs country US; Route 53 supports US states only.`);
  }
  const p = r.geoproximity;
  if (p !== undefined) {
    const places = [p.region, p.localZoneGroup, p.coordinates].filter((v) => v !== undefined).length;
    if (places !== 1) throw new Error(`${where} geoproximity takes exactly one of region, localZoneGroup and coordinates.`);
    const place = p.region ?? p.localZoneGroup;
    if (place !== undefined && AWS_LOCATIONS[place] === undefined)
      throw new Error(`${where} geoproximity names ${place}, which the simulated region cannot place; it knows ${Object.keys(AWS_LOCATIONS).join(', ')}.`);
  }
  if (r.multiValueAnswer === true && r.alias !== undefined) throw new Error(`${where} is a multivalue answer record, which cannot be an alias.`);
  if (r.multiValueAnswer === true && r.type === 'CNAME') throw new Error(`${where} is a multivalue answer record, which cannot be a CNAME.`);
}

/** The records of one name and type share one routing policy, with one latency record per Region and one geolocation record per location. */
function checkRoutingGroups(zone: { name: string; records: TopologyRecord[] }, source: string): void {
  const groups = new Map<string, TopologyRecord[]>();
  for (const r of zone.records) {
    const key = `${r.name.toLowerCase().replace(/\.$/, '')} ${r.type}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const [key, records] of groups) {
    if (records.length < 2) continue;
    const where = `${source}: records '${key}' of hosted zone '${zone.name}'`;
    const policies = new Set(records.map((r) => policyFields(r)[0] ?? 'simple'));
    if (policies.size > 1 || policies.has('simple'))
      throw new Error(`${where} mix routing policies (${[...policies].join(', ')}) or repeat a simple record; a name and type has one policy.`);
    const ids = records.map((r) => r.setIdentifier);
    if (new Set(ids).size !== ids.length) throw new Error(`${where} repeat a setIdentifier.`);
    const regions = records.flatMap((r) => (r.region === undefined ? [] : [r.region]));
    if (new Set(regions).size !== regions.length) throw new Error(`${where} have two latency records for one Region.`);
    const places = records.flatMap((r) =>
      r.geolocation === undefined ? [] : [JSON.stringify([r.geolocation.continent, r.geolocation.country, r.geolocation.subdivision])],
    );
    if (new Set(places).size !== places.length) throw new Error(`${where} have two geolocation records for one location.`);
  }
}

/** The fields of one Region's resources: the top level (the home Region) and each entry of `regions` have them. */
const regionalFields = {
  /** Zone suffixes (`a`, `b`, `c`) or full names. */
  availabilityZones: z.array(z.string().min(1)).min(1).max(6).default(['a', 'b', 'c']),
  /**
   * Local Zones and Wavelength Zones of the Region (`edge-zones.ts`): subnets exist in the opted-in ones, and groups,
   * instances and load balancers may name them. At most two, so a load balancer's nodes keep their address plan.
   */
  edgeZones: z.array(edgeZoneSchema).max(2).default([]),
  vpcCidr: z.string().default('10.0.0.0/16'),
  /**
   * App versions: the software an image runs, the sim's own stand-in for what an AMI holds. An instance serves the app
   * whose `imageId` is its image; an image no app names serves the default healthy app.
   */
  apps: z.array(app).default([]),
  launchTemplates: z
    .array(
      z.strictObject({
        name,
        instanceType: z.string().default('t3.micro'),
        imageId: z.string().default(DEFAULT_IMAGE_ID),
        /** Port the workload listens on. */
        port: z.number().int().min(1).max(65_535).default(8080),
        /**
         * The name of the workload's process on its instances: what SSM's AWSFIS-Run-Kill-Process must name
         * (`ProcessName`) to kill the application.
         */
        processName: z.string().min(1).default('gameday-app'),
        /** OS boot and application start after `running` (AWS time); default `timings.instanceBoot`. */
        bootTime: simDuration().optional(),
        /** InstanceMarketOptions.MarketType: its instances are Spot or Capacity Block instances; default On-Demand. */
        marketType: z.enum(['spot', 'capacity-block', 'interruptible-capacity-reservation']).optional(),
        /**
         * Versions after the first (version 1 is the template itself), each changing the image or the instance type
         * of the version before it, as CreateLaunchTemplateVersion with a source version does.
         */
        /** Shorthand for the image of an app of `apps`: `imageId` becomes that app's. */
        app: appName.optional(),
        versions: z.array(z.strictObject({ imageId: z.string().optional(), instanceType: z.string().optional(), app: appName.optional() })).default([]),
        /** The default version (`$Default`); 1 unless ModifyLaunchTemplate changed it. */
        defaultVersion: z.number().int().min(1).default(1),
      }),
    )
    .min(1),
  loadBalancers: z
    .array(
      z.strictObject({
        name,
        crossZone: z.boolean().default(true),
        /** Listener port on 127.0.0.1; 0 picks a free one. */
        port: z.number().int().min(0).max(65_535).default(0),
        /**
         * Loopback address the listener binds (default 127.0.0.1). Give each ALB of a DNS failover topology its own
         * address so DNS answers for the primary and the secondary site differ.
         */
        address: loopback.optional(),
        /** Zones (suffixes or full names) the load balancer is enabled in: a subset of the region's; default all. */
        availabilityZones: z.array(z.string().min(1)).min(1).optional(),
        targetGroup: z.strictObject({ name, healthCheck: healthCheck.prefault({}), deregistrationDelay: simDuration().optional() }),
      }),
    )
    .default([]),
  autoScalingGroups: z
    .array(
      z.strictObject({
        name,
        launchTemplate: name,
        min: z.number().int().min(0),
        max: z.number().int().min(0),
        desired: z.number().int().min(0),
        availabilityZones: z.array(z.string()).optional(),
        healthCheckType: z.enum(['EC2', 'ELB']).default('EC2'),
        healthCheckGracePeriod: simDuration().default(0),
        targetGroups: z.array(name).default([]),
        tags: z.record(z.string(), z.string()).default({}),
        /** Processes suspended from the start (SuspendProcesses), once the initial instances are in service. */
        suspendedProcesses: z.array(z.enum(SCALING_PROCESSES)).default([]),
        /** The launch template version the group names: `$Default` (AWS's default when none is given), `$Latest` or a number. */
        launchTemplateVersion: z
          .union([
            z.number().int().min(1).transform(String),
            z.string().regex(/^(\$Latest|\$Default|[1-9]\d*)$/, { error: "a launch template version is '$Latest', '$Default' or a number" }),
          ])
          .default('$Default'),
        /**
         * How many of the group's initial instances run the version before the one the group names, as after an
         * update of the group's launch template without an instance refresh (assumed name).
         */
        driftedInstances: z.number().int().min(0).default(0),
        /**
         * How a stack update that changes the group's launch template version reaches its instances: its template's
         * UpdatePolicy (AutoScalingRollingUpdate, or AutoScalingReplacingUpdate with WillReplace true); absent, the
         * update only changes what the group launches next.
         */
        rollout: z
          .discriminatedUnion('kind', [
            z.strictObject({
              kind: z.literal('rolling'),
              minInstancesInService: z.number().int().min(0).default(0),
              maxBatchSize: z.number().int().min(1).default(1),
              pauseTime: simDuration().default(0),
              waitOnResourceSignals: z.boolean().default(false),
              suspendProcesses: z.array(z.enum(SCALING_PROCESSES)).default([]),
            }),
            z.strictObject({ kind: z.literal('replacing'), timeout: simDuration().default(300_000) }),
          ])
          .optional(),
      }),
    )
    .default([]),
  /**
   * Instances outside any Auto Scaling group, launched from a launch template (its default version) and optionally
   * registered in target groups: an instance serving traffic that nothing replaces.
   */
  instances: z
    .array(
      z.strictObject({
        name,
        launchTemplate: name,
        /** A suffix or a full zone name of the region. */
        availabilityZone: z.string().min(1),
        targetGroups: z.array(name).default([]),
        tags: z.record(z.string(), z.string()).default({}),
      }),
    )
    .default([]),
  /** NAT gateways, each in the public subnet of its zone. */
  natGateways: z.array(z.strictObject({ name, availabilityZone: z.string().min(1) })).default([]),
  /**
   * Which NAT gateway each zone's private subnet routes its internet traffic through (zone suffix or full name → NAT
   * gateway name). A zone left out routes through the NAT gateway in its own zone, else the first one declared.
   */
  natRoutes: z.record(z.string(), name).default({}),
  /** RDS for PostgreSQL instances, each a real PostgreSQL-protocol server on loopback. */
  databases: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'a DB instance identifier is lower-case letters, digits and -' }),
        instanceClass: z.string().default('db.t3.micro'),
        multiAZ: z.boolean().default(true),
        /** Zone of the primary: a suffix or a full name; the standby goes to the next zone. */
        availabilityZone: z.string().default('a'),
        port: z.number().int().min(1).max(65_535).default(5432),
        tags: z.record(z.string(), z.string()).default({}),
        /** Zones of its DB subnet group (suffixes or full names); default the region's. */
        subnetGroupZones: z.array(z.string().min(1)).min(1).optional(),
        /** Name of its DB subnet group; default `<id>-subnets`. */
        subnetGroupName: z
          .string()
          .regex(/^[a-z0-9][a-z0-9 ._-]{0,254}$/, { error: 'a DB subnet group name is lower-case letters, digits, spaces, ., _ and -' })
          .optional(),
        /**
         * Makes it a read replica of another DB instance: a database of this topology by id, or any Region's by ARN
         * (`arn:aws:rds:<region>:<account>:db:<id>`). It serves read-only and receives the source's writes after a lag
         * (`timings.replicaLag`).
         */
        replicaOf: z
          .string()
          .regex(/^([a-z][a-z0-9-]{0,62}|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db:[a-z][a-z0-9-]{0,62})$/, {
            error: 'replicaOf is a DB instance identifier or a DB instance ARN',
          })
          .optional(),
      }),
    )
    .default([]),
  /**
   * RDS Multi-AZ DB clusters (PostgreSQL): one shared store, a writer endpoint on its own loopback address, and
   * member instances `<id>-instance-1..N` spread over the zones starting at `availabilityZone` (the first is the writer).
   */
  dbClusters: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z][a-z0-9-]{0,50}$/, { error: 'a DB cluster identifier is lower-case letters, digits and -' }),
        members: z.number().int().min(1).max(15).default(3),
        availabilityZone: z.string().default('a'),
        instanceClass: z.string().default('db.m5d.large'),
        port: z.number().int().min(1).max(65_535).default(5432),
        tags: z.record(z.string(), z.string()).default({}),
        /** Zones of its DB subnet group (suffixes or full names); default the region's. */
        subnetGroupZones: z.array(z.string().min(1)).min(1).optional(),
        /** Name of its DB subnet group; default `<id>-subnets`. */
        subnetGroupName: z
          .string()
          .regex(/^[a-z0-9][a-z0-9 ._-]{0,254}$/, { error: 'a DB subnet group name is lower-case letters, digits, spaces, ., _ and -' })
          .optional(),
      }),
    )
    .default([]),
  /** CloudWatch metric alarms on a load balancer's metrics (AWS/ApplicationELB), evaluated every period. */
  alarms: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, { error: 'an alarm name is letters, digits, ., _ and -' }),
        loadBalancer: name,
        metric: z.enum(['RequestCount', 'HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'HealthyHostCount', 'UnHealthyHostCount']),
        statistic: z.enum(['Sum', 'Average', 'Minimum', 'Maximum']).optional(),
        period: simDuration().default(60_000),
        evaluationPeriods: z.number().int().min(1).max(100).default(1),
        threshold: z.number(),
        comparison: z
          .enum(['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'])
          .default('GreaterThanOrEqualToThreshold'),
      }),
    )
    .default([]),
  /** AWS FIS experiment templates (FIS's own JSON shape) the region holds from the start: `${sim:fis.template.<name>.id}`. */
  fisTemplates: z
    .array(
      z.strictObject({
        name,
        description: z.string().min(1),
        roleArn: z.string().default('arn:aws:iam::123456789012:role/gameday-fis'),
        targets: z.record(z.string(), z.looseObject({ resourceType: z.string(), selectionMode: z.string() })),
        actions: z.record(z.string(), z.looseObject({ actionId: z.string() })),
        stopConditions: z.array(z.strictObject({ source: z.string(), value: z.string().optional() })).default([{ source: 'none' }]),
      }),
    )
    .default([]),
  /**
   * The CloudFormation stack this topology was translated from (or describes): its outputs are offered to experiments
   * as `${sim:stack.<OutputKey>}`. An output value may hold `${sim:…}` references to the region's own outputs, filled
   * in when the region runs; `$${` is a literal `${`.
   */
  stack: z
    .strictObject({
      name: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'a stack name is letters, digits and -' }),
      /** By output key; `<LogicalId>.url` keys say where the region serves a load balancer or database. */
      outputs: z.record(z.string().regex(/^[A-Za-z0-9]{1,255}(\.url)?$/), z.string()).default({}),
      /** What the template says that the simulated region does not honour, one sentence each. */
      notes: z.array(z.string()).default([]),
      /** The template's text, as GetTemplate returns it. */
      template: z.string().optional(),
      /** The value of each of the template's parameters (lists joined by commas), as DescribeStacks gives them. */
      parameters: z.record(z.string(), z.string()).default({}),
      /**
       * The stack's resources: logical id, type and physical id (which may hold `${sim:…}` references the region fills
       * in), as ListStackResources gives them.
       */
      resources: z.array(z.strictObject({ logicalId: z.string(), type: z.string(), physicalId: z.string() })).default([]),
    })
    .optional(),
};

const regionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: 'a Region name such as eu-central-1' });

/** Another Region given inline: its name and its resources, with the same fields as the top level. */
const inlineRegion = z.strictObject({ region: regionName, ...regionalFields });

/** Another Region given as a CloudFormation template (the loader takes one template per Region). */
const templateRegion = z.strictObject({
  region: regionName,
  /** Path of the template, relative to the topology file. */
  template: z.string().min(1),
  parameters: z.record(z.string(), z.string()).optional(),
  stackName: z.string().optional(),
});

/**
 * What the simulated region contains. The default is the reference architecture: three AZs, one ALB, an ASG of three.
 */
export const topologySchema = z.strictObject({
  region: regionName.default('us-east-1'),
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .default('123456789012'),
  ...regionalFields,
  /** Route 53 hosted zones, answered by the region's DNS server. */
  hostedZones: z.array(hostedZone).default([]),
  /** Route 53 health checks that really probe their target. */
  healthChecks: z.array(route53HealthCheck).default([]),
  /**
   * Where users are (`clients.ts`): each location's source address, client subnet, country and latency to Regions,
   * which latency, geolocation and geoproximity routing answer by, and which probes placed with `from:` send from.
   */
  clients: z.array(clientLocationSchema).default([]),
  timings: timings.prefault({}),
  /**
   * Other AWS Regions of the same world, each with its own zones, VPC and resources: inline (`region` and the same
   * fields as the top level) or a CloudFormation template (one per Region) that `loadTopology` translates. Route 53,
   * IAM, STS, the account, the clients and the timings are global: top level only.
   */
  regions: z.array(z.union([templateRegion, inlineRegion])).default([]),
});

export type Topology = z.output<typeof topologySchema>;

/** The reference architecture: three AZs, an ALB with cross-zone load balancing, an ASG of three with ELB checks. */
export const REFERENCE_TOPOLOGY = {
  region: 'us-east-1',
  availabilityZones: ['a', 'b', 'c'],
  launchTemplates: [{ name: 'web-lt' }],
  loadBalancers: [{ name: 'web-alb', crossZone: true, targetGroup: { name: 'web-tg', healthCheck: { path: '/health' } } }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      launchTemplate: 'web-lt',
      min: 3,
      max: 6,
      desired: 3,
      healthCheckType: 'ELB',
      // Longer than the slowest boot (3 min, docs/fidelity.md) plus the five passing checks an unhealthy target needs
      // (2.5 min): with less, a slow replacement is replaced in turn before it is healthy, over and over. AWS: set it
      // to the time an instance takes to be ready. https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html
      healthCheckGracePeriod: '600s',
      targetGroups: ['web-tg'],
      tags: { 'gameday:allowed': 'true', Name: 'web' },
    },
  ],
  alarms: [{ name: 'web-healthy-hosts', loadBalancer: 'web-alb', metric: 'HealthyHostCount', threshold: 2, comparison: 'LessThanThreshold', period: '60s' }],
};

export type RegionalTopology = z.output<typeof inlineRegion>;

export function parseTopology(value: unknown, source = 'topology'): Topology {
  const parsed = topologySchema.safeParse(value);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error.issues, value);
    throw new Error(`${source}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}.`);
  }
  const t = parsed.data;
  const declared = new Set([t.region]);
  for (const r of t.regions) {
    if ('template' in r)
      throw new Error(`${source}: region '${r.region}' names template '${r.template}', which only a topology file read by loadTopology can load.`);
    if (declared.has(r.region))
      throw new Error(`${source}: region '${r.region}' is declared twice${r.region === t.region ? ' (it is the home region, the top level)' : ''}.`);
    declared.add(r.region);
  }
  const worlds = regionalTopologies(t);
  for (const w of worlds) {
    const where = w === t ? source : `${source}, region ${w.region}`;
    resolveApps(w, where);
    checkRegion(w, where);
  }
  checkNamesAcrossRegions(worlds, source);
  const lbs = new Set(worlds.flatMap((w) => w.loadBalancers.map((l) => l.name)));
  const checks = new Set<string>();
  for (const hc of t.healthChecks) {
    if (checks.has(hc.name)) throw new Error(`${source}: health check '${hc.name}' is declared twice.`);
    checks.add(hc.name);
    if (hc.target.startsWith('alb:') && !lbs.has(hc.target.slice(4)))
      throw new Error(`${source}: health check '${hc.name}' targets load balancer '${hc.target.slice(4)}', which is not declared.`);
  }
  let placeholders: Record<string, string> | undefined;
  const offered = (): Record<string, string> =>
    (placeholders ??= placeholderOutputs({ ...t, stack: undefined, regions: t.regions.map((r) => ({ ...r, stack: undefined })) }));
  for (const zone of t.hostedZones) {
    for (const r of zone.records) {
      const where = `${source}: record '${r.name}' of hosted zone '${zone.name}'`;
      if ((r.values === undefined) === (r.alias === undefined)) throw new Error(`${where} needs exactly one of values and alias.`);
      if (r.alias?.startsWith('alb:') === true && !lbs.has(r.alias.slice(4)))
        throw new Error(`${where} aliases load balancer '${r.alias.slice(4)}', which is not declared.`);
      if (r.healthCheck !== undefined && !checks.has(r.healthCheck)) throw new Error(`${where} names health check '${r.healthCheck}', which is not declared.`);
      const unknown = (r.values ?? []).flatMap(simReferences).find((ref) => offered()[ref] === undefined);
      if (unknown !== undefined) throw new Error(`${where} refers to '\${sim:${unknown}}', which the region does not offer.`);
      checkRouting(r, where);
    }
    checkRoutingGroups(zone, source);
  }
  checkClientLocations(t.clients, source);
  const known = offered();
  for (const w of worlds) {
    for (const [key, value] of Object.entries(w.stack?.outputs ?? {})) {
      const missing = simReferences(value).find((ref) => known[ref] === undefined);
      if (missing !== undefined) throw new Error(`${source}: stack output '${key}' refers to '\${sim:${missing}}', which the region does not offer.`);
    }
  }
  return t;
}

/**
 * The first issue of a failed parse; for an entry of `regions`, the issue of the shape it meant (a template entry when
 * it has `template`, else an inline one) rather than zod's "invalid input" of the union.
 */
function firstIssue(issues: readonly z.core.$ZodIssue[], value: unknown): { path: PropertyKey[]; message: string } | undefined {
  const issue = issues[0];
  if (issue?.code !== 'invalid_union' || issue.path[0] !== 'regions') return issue;
  const entry = (value as { regions?: unknown[] }).regions?.[Number(issue.path[1])];
  const meant = issue.errors[typeof entry === 'object' && entry !== null && 'template' in entry ? 0 : 1]?.[0];
  return meant === undefined ? issue : { path: [...issue.path, ...meant.path], message: meant.message };
}

/**
 * The topology of each Region of the world, the home one (the top level itself) first. Another Region's has the
 * global fields of the top level (account, clients, timings) and no Route 53 of its own: Route 53 is global.
 */
export function regionalTopologies(t: Topology): Topology[] {
  return [
    t,
    ...t.regions
      .filter((r): r is RegionalTopology => !('template' in r))
      .map((r) => ({ ...t, ...r, hostedZones: [], healthChecks: [], regions: [], stack: r.stack })),
  ];
}

/**
 * Checks a Region's apps (unique names and images) and turns each launch template's and version's `app` into the
 * app's `imageId`, which is what EC2 records; refusals name the field's path.
 */
function resolveApps(t: Topology, source: string): void {
  const byName = new Map<string, TopologyApp>();
  const byImage = new Map<string, TopologyApp>();
  const rds = new Set([...t.databases.map((d) => d.id), ...t.dbClusters.map((c) => c.id)]);
  t.apps.forEach((a, i) => {
    if (byName.has(a.name)) throw new Error(`${source}: apps.${i}.name: app '${a.name}' is declared twice.`);
    if (a.database !== undefined && !rds.has(a.database.id))
      throw new Error(`${source}: apps.${i}.database.id: app '${a.name}' uses database '${a.database.id}', which is not declared in databases or dbClusters.`);
    if (a.healthCheck === 'deep' && a.database === undefined)
      throw new Error(`${source}: apps.${i}.healthCheck: app '${a.name}' has a deep health check, which needs a database.`);
    const other = byImage.get(a.imageId);
    if (other !== undefined)
      throw new Error(`${source}: apps.${i}.imageId: apps '${other.name}' and '${a.name}' both have image '${a.imageId}'; an image runs one app.`);
    byName.set(a.name, a);
    byImage.set(a.imageId, a);
  });
  const imageOf = (appName: string, path: string): string => {
    const found = byName.get(appName);
    if (found === undefined) throw new Error(`${source}: ${path}: app '${appName}' is not declared in apps.`);
    return found.imageId;
  };
  t.launchTemplates.forEach((lt, i) => {
    if (lt.app !== undefined) {
      const imageId = imageOf(lt.app, `launchTemplates.${i}.app`);
      if (lt.imageId !== DEFAULT_IMAGE_ID && lt.imageId !== imageId)
        throw new Error(
          `${source}: launchTemplates.${i}.app: app '${lt.app}' runs image '${imageId}' but the template names image '${lt.imageId}'; give one of them.`,
        );
      lt.imageId = imageId;
    }
    lt.versions.forEach((v, j) => {
      if (v.app === undefined) return;
      const imageId = imageOf(v.app, `launchTemplates.${i}.versions.${j}.app`);
      if (v.imageId !== undefined && v.imageId !== imageId)
        throw new Error(
          `${source}: launchTemplates.${i}.versions.${j}.app: app '${v.app}' runs image '${imageId}' but the version names image '${v.imageId}'; give one of them.`,
        );
      v.imageId = imageId;
    });
  });
}

/** One Region's own references: groups to launch templates and target groups, alarms to load balancers, zones. */
function checkRegion(t: Topology, source: string): void {
  const lts = new Set(t.launchTemplates.map((l) => l.name));
  const tgs = new Set(t.loadBalancers.map((l) => l.targetGroup.name));
  for (const asg of t.autoScalingGroups) {
    if (!lts.has(asg.launchTemplate))
      throw new Error(`${source}: auto scaling group '${asg.name}' uses launch template '${asg.launchTemplate}', which is not declared.`);
    for (const tg of asg.targetGroups)
      if (!tgs.has(tg)) throw new Error(`${source}: auto scaling group '${asg.name}' names target group '${tg}', which is not declared.`);
    if (!(asg.min <= asg.desired && asg.desired <= asg.max)) throw new Error(`${source}: auto scaling group '${asg.name}' needs min <= desired <= max.`);
  }
  const rdsIds = new Set<string>();
  for (const id of rdsIdentifiers(t)) {
    if (rdsIds.has(id)) throw new Error(`${source}: RDS identifier '${id}' is declared twice.`);
    rdsIds.add(id);
  }
  const lbs = new Set(t.loadBalancers.map((l) => l.name));
  const alarms = new Set<string>();
  for (const a of t.alarms) {
    if (!lbs.has(a.loadBalancer)) throw new Error(`${source}: alarm '${a.name}' watches load balancer '${a.loadBalancer}', which is not declared.`);
    if (alarms.has(a.name)) throw new Error(`${source}: alarm '${a.name}' is declared twice.`);
    if (a.period !== 10_000 && a.period !== 30_000 && (a.period < 60_000 || a.period % 60_000 !== 0))
      throw new Error(`${source}: alarm '${a.name}' needs a period of 10 s, 30 s or a multiple of 60 s.`);
    alarms.add(a.name);
  }
  checkEdgeZones(t, source);
  checkAddedResources(t, source);
}

/** Each edge zone's name is one of the Region's of its type, unique, with a parent among the Region's AZs. */
function checkEdgeZones(t: Topology, source: string): void {
  const azs = zoneNames(t);
  const seen = new Set<string>(azs);
  for (const spec of t.edgeZones) {
    const where = `${source}: edge zone '${spec.name}'`;
    if (!azs.includes(zoneName(t, spec.parent)))
      throw new Error(`${where} names parent '${spec.parent}', which is not one of the region's Availability Zones (${azs.join(', ')}).`);
    const zone = parseEdgeZone(t.region, spec, zoneName(t, spec.parent));
    if (typeof zone === 'string') throw new Error(`${source}: edgeZones: ${zone}.`);
    if (seen.has(spec.name)) throw new Error(`${where} is declared twice.`);
    seen.add(spec.name);
  }
}

/** The Region's edge zones as DescribeAvailabilityZones names them, with their opt-in (a checked topology's). */
export function edgeZonesOf(t: Pick<Topology, 'region' | 'edgeZones'>): (EdgeZone & { optedIn: boolean })[] {
  return t.edgeZones.flatMap((spec) => {
    const zone = parseEdgeZone(t.region, spec, zoneName(t, spec.parent));
    return typeof zone === 'string' ? [] : [{ ...zone, optedIn: spec.optedIn }];
  });
}

/** Zones where the Region has subnets: its Availability Zones, then the edge zones the account opted in to. */
export function placementZones(t: Topology): string[] {
  return [...zoneNames(t), ...t.edgeZones.filter((e) => e.optedIn).map((e) => e.name)];
}

/** Every RDS identifier of a Region: DB instances, DB clusters and their member instances. */
function rdsIdentifiers(t: Topology): string[] {
  return [...t.databases.map((d) => d.id), ...t.dbClusters.flatMap((c) => [c.id, ...Array.from({ length: c.members }, (_, i) => `${c.id}-instance-${i + 1}`)])];
}

/**
 * Names are unique across the whole world, so outputs stay flat (`${sim:alb.<name>.url}`) and `alb:<name>` in Route 53
 * names one load balancer of any Region.
 */
function checkNamesAcrossRegions(worlds: readonly Topology[], source: string): void {
  const kinds: [string, (t: Topology) => string[]][] = [
    ['load balancer', (t) => t.loadBalancers.map((l) => l.name)],
    ['target group', (t) => t.loadBalancers.map((l) => l.targetGroup.name)],
    ['launch template', (t) => t.launchTemplates.map((l) => l.name)],
    ['auto scaling group', (t) => t.autoScalingGroups.map((a) => a.name)],
    ['instance', (t) => t.instances.map((i) => i.name)],
    ['NAT gateway', (t) => t.natGateways.map((n) => n.name)],
    ['alarm', (t) => t.alarms.map((a) => a.name)],
    ['FIS template', (t) => t.fisTemplates.map((f) => f.name)],
    ['RDS identifier', rdsIdentifiers],
  ];
  for (const [kind, namesOf] of kinds) {
    const regionOf = new Map<string, string>();
    for (const w of worlds) {
      for (const n of namesOf(w)) {
        const other = regionOf.get(n);
        if (other === w.region) throw new Error(`${source}: ${kind} '${n}' is declared twice in ${w.region}.`);
        if (other !== undefined) throw new Error(`${source}: ${kind} '${n}' is declared in both ${other} and ${w.region}; names are unique across Regions.`);
        regionOf.set(n, w.region);
      }
    }
  }
}

/** A zone of the topology, a suffix (`a`) or a full name, as its full name. */
export function zoneName(t: Pick<Topology, 'region'>, zone: string): string {
  return /^[a-z]$/.test(zone) ? `${t.region}${zone}` : zone;
}

/**
 * Checks what the account reader reads beyond the running fleet: launch template versions, drift, load balancer
 * zones, standalone instances, NAT gateways and routes, DB subnet groups. Each refusal names the field.
 */
function checkAddedResources(t: Topology, source: string): void {
  const zones = zoneNames(t);
  const placeable = placementZones(t);
  const inRegion = (zone: string, where: string): void => {
    if (t.edgeZones.some((e) => e.name === zone && !e.optedIn))
      throw new Error(`${source}: ${where} names zone '${zone}', whose zone group the account has not opted in to (edgeZones optedIn: false).`);
    if (!placeable.includes(zoneName(t, zone)))
      throw new Error(`${source}: ${where} names zone '${zone}', which is not one of the region's (${placeable.join(', ')}).`);
  };
  const latest = new Map(t.launchTemplates.map((lt) => [lt.name, 1 + lt.versions.length]));
  for (const lt of t.launchTemplates)
    if (lt.defaultVersion > 1 + lt.versions.length)
      throw new Error(`${source}: launch template '${lt.name}' has defaultVersion ${lt.defaultVersion} but only ${1 + lt.versions.length} versions.`);
  for (const asg of t.autoScalingGroups) {
    const lt = t.launchTemplates.find((l) => l.name === asg.launchTemplate);
    const version = resolveVersion(asg.launchTemplateVersion, lt?.defaultVersion ?? 1, latest.get(asg.launchTemplate) ?? 1);
    if (version > (latest.get(asg.launchTemplate) ?? 1))
      throw new Error(
        `${source}: auto scaling group '${asg.name}' names launchTemplateVersion ${asg.launchTemplateVersion}, which launch template '${asg.launchTemplate}' does not have.`,
      );
    if (asg.driftedInstances > asg.desired)
      throw new Error(
        `${source}: auto scaling group '${asg.name}' has driftedInstances ${asg.driftedInstances}, more than its desired capacity ${asg.desired}.`,
      );
    if (asg.driftedInstances > 0 && version < 2)
      throw new Error(
        `${source}: auto scaling group '${asg.name}' has driftedInstances but runs version 1 of its launch template, which has no version before it.`,
      );
  }
  for (const asg of t.autoScalingGroups) for (const z of asg.availabilityZones ?? []) inRegion(z, `auto scaling group '${asg.name}' availabilityZones`);
  const edge = new Set(t.edgeZones.map((e) => e.name));
  for (const lb of t.loadBalancers) {
    for (const z of lb.availabilityZones ?? []) inRegion(z, `load balancer '${lb.name}' availabilityZones`);
    // "If you enable multiple zones for your load balancer, the zones must be of the same type. For example, you can't
    // enable both an Availability Zone and a Local Zone."
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html)
    const kinds = new Set((lb.availabilityZones ?? []).map((z) => (edge.has(z) ? t.edgeZones.find((e) => e.name === z)?.type : 'availability-zone')));
    if (kinds.size > 1)
      throw new Error(
        `${source}: load balancer '${lb.name}' mixes zones of different types (${[...kinds].join(', ')}); an ALB's zones must all be of one type.`,
      );
  }
  const tgs = new Set(t.loadBalancers.map((l) => l.targetGroup.name));
  const instanceNames = new Set<string>();
  for (const i of t.instances) {
    if (instanceNames.has(i.name)) throw new Error(`${source}: instance '${i.name}' is declared twice.`);
    instanceNames.add(i.name);
    if (!latest.has(i.launchTemplate)) throw new Error(`${source}: instance '${i.name}' uses launch template '${i.launchTemplate}', which is not declared.`);
    inRegion(i.availabilityZone, `instance '${i.name}' availabilityZone`);
    for (const tg of i.targetGroups) if (!tgs.has(tg)) throw new Error(`${source}: instance '${i.name}' names target group '${tg}', which is not declared.`);
  }
  const nats = new Set<string>();
  for (const nat of t.natGateways) {
    if (nats.has(nat.name)) throw new Error(`${source}: NAT gateway '${nat.name}' is declared twice.`);
    nats.add(nat.name);
    inRegion(nat.availabilityZone, `NAT gateway '${nat.name}' availabilityZone`);
  }
  for (const [zone, nat] of Object.entries(t.natRoutes)) {
    inRegion(zone, 'natRoutes');
    if (!nats.has(nat)) throw new Error(`${source}: natRoutes sends zone '${zone}' through NAT gateway '${nat}', which is not declared.`);
  }
  const dbIds = new Set(t.databases.map((d) => d.id));
  for (const db of t.databases) {
    const of = db.replicaOf;
    if (of === undefined || of.startsWith('arn:')) continue;
    if (of === db.id) throw new Error(`${source}: database '${db.id}' is declared a read replica of itself.`);
    if (!dbIds.has(of)) throw new Error(`${source}: database '${db.id}' is a read replica of '${of}', which is not declared.`);
  }
  for (const db of [...t.databases, ...t.dbClusters]) {
    for (const z of db.subnetGroupZones ?? []) inRegion(z, `database '${db.id}' subnetGroupZones`);
    const groupZones = (db.subnetGroupZones ?? zones).map((z) => zoneName(t, z));
    // RDS refuses it: "DB Subnet Group doesn't meet Availability Zone (AZ) coverage requirement", a Multi-AZ
    // deployment needs subnets in at least two zones
    // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html).
    if ('multiAZ' in db && db.multiAZ && new Set(groupZones).size < 2)
      throw new Error(`${source}: database '${db.id}' is Multi-AZ but its subnetGroupZones cover one zone; RDS needs a DB subnet group in at least two zones.`);
    if (!groupZones.includes(zoneName(t, db.availabilityZone)))
      throw new Error(`${source}: database '${db.id}' is in zone '${db.availabilityZone}', which its subnetGroupZones do not include.`);
  }
}

/** The version number a group's `$Default`, `$Latest` or numbered launch template version stands for. */
export function resolveVersion(version: string, defaultVersion: number, latestVersion: number): number {
  return version === '$Latest' ? latestVersion : version === '$Default' ? defaultVersion : Number(version);
}

/** How a CloudFormation template given as a topology becomes a stack. */
export interface StackOptions {
  /** Overrides of the template's parameter defaults. */
  parameters?: Record<string, string>;
  /** `AWS::StackName`; default the template's file name without its extension. */
  stackName?: string;
}

/**
 * Reads a topology file: a sim topology, or a CloudFormation template (YAML or JSON, short-form intrinsics allowed)
 * translated into one.
 */
export async function loadTopology(file: string | undefined, options: StackOptions = {}): Promise<Topology> {
  if (file === undefined) return parseTopology(REFERENCE_TOPOLOGY, 'reference topology');
  const text = await readFile(file, 'utf8');
  const doc = parseTemplateYaml(text);
  if (isCloudFormationTemplate(doc)) {
    const stackName = options.stackName ?? basename(file).replace(/\.(ya?ml|json|template)$/i, '');
    const { topology } = translateTemplate(doc, { ...options, stackName, templateBody: text });
    return parseTopology(topology, file);
  }
  return parseTopology(await withTemplateRegions(doc, file), file);
}

/**
 * A topology whose `regions` entries naming a CloudFormation template (relative to the topology file) are translated
 * into inline Regions; each template's Route 53 hosted zones and health checks join the global ones.
 */
async function withTemplateRegions(doc: unknown, file: string): Promise<unknown> {
  if (typeof doc !== 'object' || doc === null || !('regions' in doc) || !Array.isArray(doc.regions)) return doc;
  const top = doc as Record<string, unknown> & { regions: unknown[] };
  const hostedZones: unknown[] = Array.isArray(top.hostedZones) ? [...top.hostedZones] : [];
  const healthChecks: unknown[] = Array.isArray(top.healthChecks) ? [...top.healthChecks] : [];
  const regions: unknown[] = [];
  for (const entry of top.regions) {
    const r = templateRegionEntry(entry);
    if (r === undefined) {
      regions.push(entry);
      continue;
    }
    const path = resolve(dirname(file), r.template);
    const text = await readFile(path, 'utf8');
    const template = parseTemplateYaml(text);
    if (!isCloudFormationTemplate(template)) throw new Error(`${file}: region '${r.region}' names '${r.template}', which is not a CloudFormation template.`);
    const { topology } = translateTemplate(template, {
      stackName: r.stackName ?? basename(path).replace(/\.(ya?ml|json|template)$/i, ''),
      ...(r.parameters === undefined ? {} : { parameters: r.parameters }),
      region: r.region,
      ...(typeof top.accountId === 'string' ? { accountId: top.accountId } : {}),
      templateBody: text,
    });
    const { hostedZones: zones, healthChecks: checks, accountId: _account, ...regional } = topology;
    if (Array.isArray(zones)) hostedZones.push(...zones);
    if (Array.isArray(checks)) healthChecks.push(...checks);
    regions.push(regional);
  }
  return { ...top, regions, hostedZones, healthChecks };
}

/** A `regions` entry that names a CloudFormation template, read leniently (validation reports what is wrong with it). */
function templateRegionEntry(entry: unknown): { region: string; template: string; parameters?: Record<string, string>; stackName?: string } | undefined {
  const r = entry as { region?: unknown; template?: unknown; parameters?: Record<string, string>; stackName?: string } | null;
  if (typeof r !== 'object' || r === null || typeof r.template !== 'string' || typeof r.region !== 'string') return undefined;
  return r as { region: string; template: string; parameters?: Record<string, string>; stackName?: string };
}

/**
 * The other files a topology file's text names, as written (relative to the topology file) with the field naming each:
 * every `regions` entry's CloudFormation template. A CloudFormation template given as the topology names none. What
 * `loadTopology` reads besides the file itself, so a queued run can carry them all.
 */
export function topologyFileReferences(text: string): { path: string; field: string }[] {
  let doc: unknown;
  try {
    doc = parseTemplateYaml(text);
  } catch {
    // Unreadable YAML names nothing; loading the topology reports the syntax error.
    return [];
  }
  if (isCloudFormationTemplate(doc) || typeof doc !== 'object' || doc === null || !('regions' in doc) || !Array.isArray(doc.regions)) return [];
  return doc.regions.flatMap((entry: unknown, i) => {
    const r = templateRegionEntry(entry);
    return r === undefined ? [] : [{ path: r.template, field: `regions.${i}.template` }];
  });
}

/** Full zone names of a topology: suffixes are joined to the region. */
export function zoneNames(t: Topology): string[] {
  return t.availabilityZones.map((z) => (/^[a-z]$/.test(z) ? `${t.region}${z}` : z));
}

/**
 * Names the outputs of a topology offers to experiments as `${sim:…}`, with placeholder values for validation
 * before a region is running.
 */
export function placeholderOutputs(t: Topology): Record<string, string> {
  const worlds = regionalTopologies(t);
  // The home Region's last, so the keys every Region has (region.name, vpc.id) are the home Region's.
  const out = Object.assign({}, ...[...worlds].reverse().map(regionPlaceholders)) as Record<string, string>;
  return withRegionOutputs(
    worlds.map((w) => ({ region: w.region, zones: zoneNames(w) })),
    out,
  );
}

/**
 * Adds what names the Regions: `region.names` (comma-separated, the home Region first) and `region.<name>.zones`.
 */
export function withRegionOutputs(regions: readonly { region: string; zones: readonly string[] }[], out: Record<string, string>): Record<string, string> {
  out['region.names'] = regions.map((r) => r.region).join(',');
  for (const r of regions) out[`region.${r.region}.zones`] = r.zones.join(',');
  return out;
}

/** One Region's placeholder outputs. */
function regionPlaceholders(t: Topology): Record<string, string> {
  const out: Record<string, string> = { 'region.endpoint': 'http://127.0.0.1:4566', 'region.name': t.region, 'region.accountId': t.accountId };
  for (const lb of t.loadBalancers) {
    out[`alb.${lb.name}.url`] = `http://${lb.address ?? '127.0.0.1'}:80`;
    out[`alb.${lb.name}.address`] = lb.address ?? '127.0.0.1';
    out[`alb.${lb.name}.port`] = '80';
    out[`alb.${lb.name}.dnsName`] = `${lb.name}.elb.sim`;
    out[`alb.${lb.name}.arn`] = `arn:aws:elasticloadbalancing:${t.region}:${t.accountId}:loadbalancer/app/${lb.name}/0000000000000000`;
    out[`alb.${lb.name}.fullName`] = `app/${lb.name}/0000000000000000`;
    out[`alb.${lb.name}.region`] = t.region;
    out[`tg.${lb.targetGroup.name}.arn`] = `arn:aws:elasticloadbalancing:${t.region}:${t.accountId}:targetgroup/${lb.targetGroup.name}/0000000000000000`;
    out[`tg.${lb.targetGroup.name}.fullName`] = `targetgroup/${lb.targetGroup.name}/0000000000000000`;
  }
  for (const lt of t.launchTemplates) {
    out[`lt.${lt.name}.id`] = 'lt-00000000000000000';
    out[`lt.${lt.name}.latestVersion`] = String(1 + lt.versions.length);
  }
  for (const a of t.apps) out[`app.${a.name}.imageId`] = a.imageId;
  for (const asg of t.autoScalingGroups) {
    out[`asg.${asg.name}.name`] = asg.name;
    out[`asg.${asg.name}.arn`] =
      `arn:aws:autoscaling:${t.region}:${t.accountId}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${asg.name}`;
    out[`asg.${asg.name}.region`] = t.region;
    out[`asg.${asg.name}.processName`] = t.launchTemplates.find((lt) => lt.name === asg.launchTemplate)?.processName ?? 'gameday-app';
  }
  for (const db of [...t.databases, ...t.dbClusters]) {
    const endpoint = `${db.id}.c000000000000.${t.region}.rds.amazonaws.com`;
    out[`rds.${db.id}.url`] = `postgres://postgres@${endpoint}:${db.port}/postgres`;
    out[`rds.${db.id}.endpoint`] = endpoint;
    out[`rds.${db.id}.address`] = '127.0.0.1';
    out[`rds.${db.id}.port`] = String(db.port);
    out[`rds.${db.id}.region`] = t.region;
  }
  out['dns.server'] = '127.0.0.1:53';
  for (const zone of t.hostedZones) out[`route53.zone.${zone.name.replace(/\.$/, '').toLowerCase()}.id`] = 'Z0000000000000000000';
  for (const hc of t.healthChecks) out[`route53.healthcheck.${hc.name}.id`] = '00000000-0000-0000-0000-000000000000';
  for (const ft of t.fisTemplates) out[`fis.template.${ft.name}.id`] = 'EXT000000000000';
  for (const nat of t.natGateways) out[`nat.${nat.name}.id`] = 'nat-00000000000000000';
  for (const i of t.instances) out[`instance.${i.name}.id`] = 'i-00000000000000000';
  out['vpc.id'] = 'vpc-00000000000000000';
  for (const c of t.clients) {
    out[`client.${c.name}.address`] = c.address;
    if (c.subnet !== undefined) out[`client.${c.name}.subnet`] = c.subnet;
  }
  return withStackOutputs(t, out);
}

const SIM_REF = /(?<!\$)\$\{sim:([A-Za-z0-9_.-]+)\}/g;

/**
 * Adds the stack's outputs to a region's outputs as `stack.<OutputKey>`, their `${sim:…}` references filled in from
 * `out`. A reference to an output the region lacks is left as written.
 */
export function withStackOutputs(t: Topology, out: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(t.stack?.outputs ?? {})) out[`stack.${key}`] = fillSimReferences(value, out);
  return out;
}

/** A value with its `${sim:…}` references filled in from a region's outputs (one it lacks is left as written). */
export function fillSimReferences(value: string, out: Record<string, string>): string {
  return value.replace(SIM_REF, (whole, ref: string) => out[ref] ?? whole).replaceAll('$${', '${');
}

/** The `${sim:…}` keys an output value refers to. */
export function simReferences(value: string): string[] {
  return [...value.matchAll(SIM_REF)].map((m) => m[1] ?? '');
}
