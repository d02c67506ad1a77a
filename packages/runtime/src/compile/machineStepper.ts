import { createActor, type ActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { FlowMachineEvent } from './flowMachine.js';

/** Pure transitions of one compiled machine, memoized. */
export interface MachineStepper {
  /** The idle starting snapshot (shared: snapshots are never mutated). */
  initial: AnyMachineSnapshot;
  transition(snapshot: AnyMachineSnapshot, event: FlowMachineEvent): AnyMachineSnapshot;
  /** The snapshot of a state key, or null when the machine has no such state. */
  restore(value: string): AnyMachineSnapshot | null;
  /** xstate's persisted form of a snapshot. */
  persist(snapshot: AnyMachineSnapshot): unknown;
}

function eventKey(event: FlowMachineEvent): string {
  switch (event.type) {
    case 'node.exit':
      return `x:${event.port}`;
    case 'flow.jump':
      return `j:${event.nodeId}`;
    default:
      return event.type;
  }
}

/**
 * Flow machines have no context, actions, children or delays, so a transition depends only on
 * the state and the event: each one is computed by xstate once and then remembered (xstate's
 * `transition()` also builds a throw-away actor per call, ~100 µs here). Memory is bounded by
 * the states × the events the flow can receive.
 */
export function createMachineStepper(machine: AnyStateMachine): MachineStepper {
  const self = createActor(machine);
  const scope = {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: () => {},
  } as unknown as ActorScope<AnyMachineSnapshot, FlowMachineEvent>;
  const initial = machine.getInitialSnapshot(scope as never) as AnyMachineSnapshot;
  const byState = new Map<string, AnyMachineSnapshot>([[initial.value as string, initial]]);
  const transitions = new Map<AnyMachineSnapshot, Map<string, AnyMachineSnapshot>>();
  const persisted = new Map<string, unknown>();
  const canonical = (snapshot: AnyMachineSnapshot): AnyMachineSnapshot => {
    const value = snapshot.value as string;
    const known = byState.get(value);
    if (known) return known;
    byState.set(value, snapshot);
    return snapshot;
  };
  return {
    initial,
    transition(snapshot, event) {
      const from = canonical(snapshot);
      let table = transitions.get(from);
      if (!table) {
        table = new Map();
        transitions.set(from, table);
      }
      const key = eventKey(event);
      let next = table.get(key);
      if (!next) {
        next = canonical(machine.transition(from, event as never, scope as never) as AnyMachineSnapshot);
        table.set(key, next);
      }
      return next;
    },
    restore(value) {
      const known = byState.get(value);
      if (known) return known;
      if (!Object.hasOwn(machine.root.states, value)) return null;
      return canonical(machine.resolveState({ value, context: {} }));
    },
    persist(snapshot) {
      const value = snapshot.value as string;
      let form = persisted.get(value);
      if (form === undefined) {
        form = machine.getPersistedSnapshot(snapshot);
        persisted.set(value, form);
      }
      return form;
    },
  };
}
