/**
 * The error names AWS services (and emulators speaking their protocols) use for a call IAM did not allow: EC2's
 * UnauthorizedOperation, the query services' AccessDenied and AuthorizationError, the JSON services'
 * AccessDeniedException. The permission checks and the architecture reader both tell a denial by them.
 */
export const ACCESS_DENIED_NAMES: readonly string[] = [
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnauthorizedAccess',
  'NotAuthorized',
];

/** Whether an error name says the caller was not allowed the call. */
export function isAccessDenied(name: string): boolean {
  return ACCESS_DENIED_NAMES.includes(name);
}
