import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { queryResponse, XmlList, type XmlReply, type XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import type { SimDatabase } from '../world/database.js';

export const RDS_NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

function dbXml(db: SimDatabase): XmlValue {
  return {
    DBInstanceIdentifier: db.id,
    DBInstanceClass: db.instanceClass,
    Engine: 'postgres',
    EngineVersion: '17.5',
    DBInstanceStatus: db.status,
    MasterUsername: 'postgres',
    Endpoint: { Address: db.dnsName, Port: db.port, HostedZoneId: 'Z2R2ITUGPM61AM' },
    InstanceCreateTime: db.createdTime.toISOString(),
    AvailabilityZone: db.zone,
    SecondaryAvailabilityZone: db.secondaryZone,
    MultiAZ: db.multiAZ,
    PubliclyAccessible: false,
    StorageType: 'gp3',
    AllocatedStorage: 20,
    DBInstanceArn: db.arn,
    TagList: new XmlList('Tag', Object.entries(db.tags).map(([Key, Value]) => ({ Key, Value }))),
  };
}

function database(world: SimWorld, id: string | undefined): SimDatabase {
  const db = id === undefined ? undefined : world.databases.get(id);
  if (db === undefined) throw new SimApiError('DBInstanceNotFound', `DBInstance ${id ?? ''} not found.`, 404);
  return db;
}

/** RDS (awsQuery) API of the simulated region: DB instances, reboot and failover, events. */
export function rdsApi(world: SimWorld, params: QueryParams): XmlReply {
  const action = params.action;
  switch (action) {
    case 'DescribeDBInstances': {
      const id = params.get('DBInstanceIdentifier');
      const dbs = id === undefined ? [...world.databases.values()] : [database(world, id)];
      return queryResponse(RDS_NS, action, { DBInstances: new XmlList('DBInstance', dbs.map(dbXml)) });
    }
    case 'RebootDBInstance': {
      const db = database(world, params.get('DBInstanceIdentifier'));
      db.reboot(params.bool('ForceFailover') === true);
      return queryResponse(RDS_NS, action, { DBInstance: dbXml(db) });
    }
    case 'DescribeEvents': {
      const id = params.get('SourceIdentifier');
      const events = [...world.databases.values()].flatMap((db) => db.events).filter((e) => id === undefined || e.SourceIdentifier === id);
      return queryResponse(RDS_NS, action, {
        Events: new XmlList(
          'Event',
          events.map((e) => ({ SourceIdentifier: e.SourceIdentifier, SourceType: e.SourceType, Message: e.Message, Date: e.Date.toISOString(), EventCategories: new XmlList('EventCategory', e.EventCategories), SourceArn: world.databases.get(e.SourceIdentifier)?.arn })),
        ),
      });
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${action} for version 2014-10-31`);
  }
}
