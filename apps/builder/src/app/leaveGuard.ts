let guard: (() => boolean) | null = null;

/** Registers a check run before in-app navigation (returns false to stay); null removes it. */
export function setLeaveGuard(check: (() => boolean) | null): void {
  guard = check;
}

/** True when navigation may proceed. */
export function mayLeave(): boolean {
  return guard ? guard() : true;
}
