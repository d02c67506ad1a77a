/**
 * Freezes a plain value and everything in it, so it can be handed to every reader instead of a
 * copy each: a reader that tries to change it gets a TypeError instead of changing the store.
 * @example return deepFreeze(latestVersion);
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
  return value;
}
