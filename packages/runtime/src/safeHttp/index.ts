export { createSafeHttp } from './createSafeHttp.js';
export { createAddressPolicy, embeddedIPv4 } from './addressPolicy.js';
export { matchesHostPattern } from './hostPatterns.js';
export type {
  SafeHttpOptions,
  SafeHttpLookup,
  SafeHttpErrorCode,
  ResolvedAddress,
} from './createSafeHttp.js';
export type { AddressPolicy, AddressPolicyOptions, BlockedRange } from './addressPolicy.js';
