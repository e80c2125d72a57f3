/**
 * Where Regions and Local Zone groups are, for Route 53 geoproximity routing: Route 53 locates a record by the AWS
 * Region or Local Zone group it names (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geoproximity.html)
 * but publishes no coordinates, so these are the approximate coordinates of each one's metro area (assumed).
 */
export const AWS_LOCATIONS: Readonly<Record<string, { latitude: number; longitude: number }>> = {
  'us-east-1': { latitude: 39.04, longitude: -77.49 },
  'us-east-2': { latitude: 39.96, longitude: -83.0 },
  'us-west-1': { latitude: 37.77, longitude: -122.42 },
  'us-west-2': { latitude: 45.84, longitude: -119.7 },
  'ca-central-1': { latitude: 45.5, longitude: -73.57 },
  'sa-east-1': { latitude: -23.55, longitude: -46.63 },
  'eu-west-1': { latitude: 53.35, longitude: -6.26 },
  'eu-west-2': { latitude: 51.51, longitude: -0.13 },
  'eu-west-3': { latitude: 48.86, longitude: 2.35 },
  'eu-central-1': { latitude: 50.11, longitude: 8.68 },
  'eu-north-1': { latitude: 59.33, longitude: 18.07 },
  'ap-northeast-1': { latitude: 35.68, longitude: 139.69 },
  'ap-northeast-2': { latitude: 37.57, longitude: 126.98 },
  'ap-southeast-1': { latitude: 1.35, longitude: 103.82 },
  'ap-southeast-2': { latitude: -33.87, longitude: 151.21 },
  'ap-south-1': { latitude: 19.08, longitude: 72.88 },
  // Local Zone groups: the city each is named after.
  'us-east-1-bos-1': { latitude: 42.36, longitude: -71.06 },
  'us-east-1-mia-1': { latitude: 25.76, longitude: -80.19 },
  'us-west-2-lax-1': { latitude: 34.05, longitude: -118.24 },
  'us-west-2-den-1': { latitude: 39.74, longitude: -104.99 },
};

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in km (haversine). */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = (d: number): number => (d * Math.PI) / 180;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
