import { instanceRefreshAction } from '../actions/autoscaling/instance-refresh.js';
import { rebootInstancesAction } from '../actions/ec2/reboot-instances.js';
import { stopInstancesAction } from '../actions/ec2/stop-instances.js';
import { terminateInstancesAction } from '../actions/ec2/terminate-instances.js';
import { httpRequestAction } from '../actions/local/http-request.js';
import { rdsFailoverAction } from '../actions/rds/failover.js';
import { promoteReadReplicaAction } from '../actions/rds/promote-read-replica.js';
import { rdsRebootAction } from '../actions/rds/reboot.js';
import { failHealthCheckAction } from '../actions/route53/fail-health-check.js';
import { azOutageAction } from '../actions/scenario/az-outage.js';
import { regionOutageAction } from '../actions/scenario/region-outage.js';
import { fisExperimentAction } from '../actions/fis/experiment.js';
import { killProcessAction } from '../actions/ssm/kill-process.js';
import { sendCommandAction } from '../actions/ssm/send-command.js';
import { networkLatencyAction } from '../actions/ec2/network-latency.js';
import { packetLossAction } from '../actions/ec2/packet-loss.js';
import { blackholePortAction } from '../actions/ec2/blackhole-port.js';
import { cpuStressAction } from '../actions/ec2/cpu-stress.js';
import { memoryStressAction } from '../actions/ec2/memory-stress.js';
import { processExecAction } from '../actions/local/process-exec.js';
import { httpProbe } from '../probes/net/http.js';
import { httpJourneyProbe } from '../probes/net/http-journey.js';
import { tcpProbe } from '../probes/net/tcp.js';
import { asgInServiceProbe } from '../probes/aws/asg-in-service.js';
import { asgZonesProbe } from '../probes/aws/asg-zones.js';
import { instanceRefreshStatusProbe } from '../probes/aws/asg-instance-refresh-status.js';
import { launchTemplateDriftProbe } from '../probes/aws/asg-launch-template-drift.js';
import { instanceStateProbe } from '../probes/aws/ec2-instance-state.js';
import { healthyTargetsProbe } from '../probes/aws/elbv2-healthy-targets.js';
import { rdsStatusProbe } from '../probes/aws/rds-status.js';
import { healthCheckStatusProbe } from '../probes/aws/route53-health-check-status.js';
import { dnsProbe } from '../probes/dns/dns.js';
import { sqlQueryProbe } from '../probes/sql/query.js';
import { writeLedgerProbe } from '../probes/sql/write-ledger.js';
import { Registry } from './registry.js';

let cached: Registry | undefined;

/** The registry with every built-in action and probe. */
export function defaultRegistry(): Registry {
  cached ??= new Registry()
    .registerAction(httpRequestAction)
    .registerAction(processExecAction)
    .registerAction(terminateInstancesAction)
    .registerAction(stopInstancesAction)
    .registerAction(rebootInstancesAction)
    .registerAction(killProcessAction)
    .registerAction(networkLatencyAction)
    .registerAction(packetLossAction)
    .registerAction(blackholePortAction)
    .registerAction(cpuStressAction)
    .registerAction(memoryStressAction)
    .registerAction(sendCommandAction)
    .registerAction(rdsFailoverAction)
    .registerAction(rdsRebootAction)
    .registerAction(promoteReadReplicaAction)
    .registerAction(failHealthCheckAction)
    .registerAction(azOutageAction)
    .registerAction(regionOutageAction)
    .registerAction(fisExperimentAction)
    .registerAction(instanceRefreshAction)
    .registerProbe(httpProbe)
    .registerProbe(httpJourneyProbe)
    .registerProbe(tcpProbe)
    .registerProbe(asgInServiceProbe)
    .registerProbe(asgZonesProbe)
    .registerProbe(instanceRefreshStatusProbe)
    .registerProbe(launchTemplateDriftProbe)
    .registerProbe(healthyTargetsProbe)
    .registerProbe(instanceStateProbe)
    .registerProbe(rdsStatusProbe)
    .registerProbe(healthCheckStatusProbe)
    .registerProbe(dnsProbe)
    .registerProbe(writeLedgerProbe)
    .registerProbe(sqlQueryProbe);
  return cached;
}
