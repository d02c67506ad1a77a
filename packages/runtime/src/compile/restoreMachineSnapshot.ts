import type { AnyMachineSnapshot } from 'xstate';
import type { MachineStepper } from './machineStepper.js';

/**
 * The one place a persisted xstate snapshot becomes a live one again (xstate v6 moves restoring
 * to `xstate/persist`; only this file and the stepper change then). Returns null when the
 * snapshot does not fit the machine (a state that no longer exists, a foreign shape).
 */
export function restoreMachineSnapshot(
  stepper: MachineStepper,
  persisted: unknown,
): AnyMachineSnapshot | null {
  if (typeof persisted !== 'object' || persisted === null) return null;
  const value = (persisted as { value?: unknown }).value;
  if (typeof value !== 'string') return null;
  return stepper.restore(value);
}

/** What is stored: xstate's persisted snapshot (taken only at rest, so no child is in flight). */
export function persistMachineSnapshot(stepper: MachineStepper, snapshot: AnyMachineSnapshot): unknown {
  return stepper.persist(snapshot);
}
