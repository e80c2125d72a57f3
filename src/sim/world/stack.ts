import { randomUUID } from 'node:crypto';

/** The stack statuses the simulated region's stack goes through (CREATE_COMPLETE, then updates). */
export type StackStatus =
  | 'CREATE_COMPLETE'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE';

/** A resource's status in stack events and ListStackResources. */
export type ResourceStatus = 'CREATE_COMPLETE' | 'UPDATE_IN_PROGRESS' | 'UPDATE_COMPLETE' | 'UPDATE_FAILED' | 'DELETE_COMPLETE';

/** One stack event, as DescribeStackEvents lists it. */
export interface StackEvent {
  EventId: string;
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  PhysicalResourceId: string;
  ResourceType: string;
  Timestamp: Date;
  ResourceStatus: StackStatus | ResourceStatus;
  ResourceStatusReason?: string;
}

/**
 * The simulated region's CloudFormation stack as it changes: its status, parameters, each resource's last status and
 * the events of its updates (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-resource-configuration-complete.html).
 */
export class SimStack {
  readonly id: string;
  readonly name: string;
  status: StackStatus = 'CREATE_COMPLETE';
  statusReason: string | undefined;
  lastUpdatedTime: Date | undefined;
  parameters: Record<string, string>;
  /** Newest first, as DescribeStackEvents gives them. */
  readonly events: StackEvent[] = [];
  /** Resources an update touched, by logical id: their last status and its time. */
  readonly resourceStatus = new Map<string, { status: ResourceStatus; time: Date }>();

  constructor(id: string, name: string, parameters: Record<string, string>, createdTime: Date) {
    this.id = id;
    this.name = name;
    this.parameters = parameters;
    this.#event(name, id, 'AWS::CloudFormation::Stack', 'CREATE_COMPLETE', undefined, createdTime);
  }

  /** Whether an update may start: CloudFormation refuses one while another is in progress. */
  get busy(): boolean {
    return this.status.endsWith('_IN_PROGRESS');
  }

  /** The stack itself changes status (an event on the stack's own logical id, its name). */
  stackStatus(status: StackStatus, reason?: string): void {
    this.status = status;
    this.statusReason = reason;
    if (status === 'UPDATE_IN_PROGRESS') this.lastUpdatedTime = new Date();
    this.#event(this.name, this.id, 'AWS::CloudFormation::Stack', status, reason);
  }

  /** A resource of the stack changes status. */
  resource(logicalId: string, physicalId: string, type: string, status: ResourceStatus, reason?: string): void {
    this.resourceStatus.set(logicalId, { status, time: new Date() });
    this.#event(logicalId, physicalId, type, status, reason);
  }

  #event(logicalId: string, physicalId: string, type: string, status: StackStatus | ResourceStatus, reason?: string, at = new Date()): void {
    this.events.unshift({
      EventId: randomUUID(),
      StackId: this.id,
      StackName: this.name,
      LogicalResourceId: logicalId,
      PhysicalResourceId: physicalId,
      ResourceType: type,
      Timestamp: at,
      ResourceStatus: status,
      ...(reason === undefined ? {} : { ResourceStatusReason: reason }),
    });
  }
}
