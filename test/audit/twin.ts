/**
 * The twin of the builder's reference architecture as a topology the simulated region loads: the names the generated
 * experiments select by (web-asg, web-tg, web-alb, orders-db, ledger, primary-hc, app.example.com) are the
 * architecture's own, as `gameday twin` keeps them.
 */
export const REFERENCE_TWIN = `region: us-east-1
accountId: "123456789012"
availabilityZones: [a, b, c]
launchTemplates:
  - { name: web-lt, instanceType: t3.micro, port: 8080 }
loadBalancers:
  - name: web-alb
    crossZone: true
    targetGroup:
      name: web-tg
      healthCheck: { path: /health, interval: 30s, timeout: 5s, healthyThreshold: 5, unhealthyThreshold: 2, matcher: "200" }
autoScalingGroups:
  - name: web-asg
    launchTemplate: web-lt
    min: 3
    max: 6
    desired: 3
    healthCheckType: ELB
    healthCheckGracePeriod: 600s
    targetGroups: [web-tg]
    tags: { "gameday:allowed": "true" }
alarms:
  - { name: web-healthy-hosts, loadBalancer: web-alb, metric: HealthyHostCount, threshold: 2, comparison: LessThanThreshold, period: 60s }
databases:
  - { id: orders-db, multiAZ: true, availabilityZone: a }
dbClusters:
  - { id: ledger, members: 2, availabilityZone: a }
healthChecks:
  - { name: primary-hc, target: "alb:web-alb", resourcePath: /health, requestInterval: 10, failureThreshold: 3 }
hostedZones:
  - name: example.com
    records:
      - { name: app, alias: "alb:web-alb", evaluateTargetHealth: true, setIdentifier: primary, failover: PRIMARY, healthCheck: primary-hc }
      - { name: app, ttl: 60, values: [192.0.2.10], setIdentifier: secondary, failover: SECONDARY }
`;

/**
 * The fragile variant the issue names, reduced to what the zone-loss claim exercises: two zones, one instance in each,
 * and no alarm, so the need is the group's minimum (2) and losing a zone leaves one.
 */
export const FRAGILE_TWIN = `region: us-east-1
accountId: "123456789012"
availabilityZones: [a, b]
launchTemplates:
  - { name: web-lt, instanceType: t3.micro, port: 8080 }
loadBalancers:
  - name: web-alb
    crossZone: true
    targetGroup:
      name: web-tg
      healthCheck: { path: /health, interval: 30s, timeout: 5s, healthyThreshold: 5, unhealthyThreshold: 2, matcher: "200" }
autoScalingGroups:
  - name: web-asg
    launchTemplate: web-lt
    min: 2
    max: 4
    desired: 2
    healthCheckType: ELB
    healthCheckGracePeriod: 600s
    targetGroups: [web-tg]
    tags: { "gameday:allowed": "true" }
`;
