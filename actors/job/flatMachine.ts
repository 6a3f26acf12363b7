import type { AnyStateMachine } from 'xstate';
import { readMachineTable, unsupported, type Context, type Event, type TableTransition } from './xstateTable.ts';

/**
 * XState's pure step for the ledger's flat machines, read off the machine once instead of run
 * through the general interpreter on every op (its macrostep, state-node sets and snapshot
 * clones cost more than the fold's own work). What it reads of XState's objects is read in
 * xstateTable.ts, the one file that knows their internals (XState's version is pinned). Only
 * the subset the job machines use is taken: one level of states; transitions on exact event types with guards (by name or inline, with
 * params) and `assign` actions; no entry, exit, eventless, delayed or invoked anything. A machine
 * outside it is refused when compiled, so the step is XState's by construction;
 * test/actors/job/flatMachine.test.ts checks it against `transition()` step by step.
 */
export interface FlatMachine {
  readonly initial: string;
  readonly context: (input: unknown) => Context;
  /** By state, by event type: the candidates in document order (the first whose guard passes is taken). */
  readonly on: ReadonlyMap<string, ReadonlyMap<string, readonly TableTransition[]>>;
}

/** A machine's snapshot as the fold keeps it. */
export interface FlatSnapshot {
  readonly state: string;
  readonly context: Context;
}

/**
 * Reads a flat machine's step table (once per machine; see `flatMachineOf`). Throws for a machine
 * the flat step cannot fold exactly as XState would.
 */
export function compileFlatMachine(machine: AnyStateMachine): FlatMachine {
  const table = readMachineTable(machine);
  for (const state of table.states) {
    if (state.unsupported.length > 0) unsupported(table, `${state.unsupported.join(', ')} (state ${state.key})`);
  }
  return { initial: table.initial, context: table.context, on: new Map(table.states.map((s) => [s.key, s.on])) };
}

const compiled = new WeakMap<AnyStateMachine, FlatMachine>();

/** The step table of a machine, compiled on first use. */
export function flatMachineOf(machine: AnyStateMachine): FlatMachine {
  let flat = compiled.get(machine);
  if (flat === undefined) {
    flat = compileFlatMachine(machine);
    compiled.set(machine, flat);
  }
  return flat;
}

/** The first snapshot for `input`, as XState's `initialTransition` gives it. */
export function flatStart(flat: FlatMachine, input: unknown): FlatSnapshot {
  return { state: flat.initial, context: flat.context(input) };
}

/**
 * One step, as XState's `transition` takes it: the first candidate for the event in the state
 * whose guard passes, its assigns in order; null when none does (or the state has no such event).
 */
export function flatStep(flat: FlatMachine, snapshot: FlatSnapshot, event: Event): FlatSnapshot | null {
  const byEvent = flat.on.get(snapshot.state);
  if (byEvent === undefined) throw new Error(`a machine snapshot is in state ${JSON.stringify(snapshot.state)}, which its machine does not draw`);
  const candidates = byEvent.get(event.type);
  if (candidates === undefined) return null;
  for (const candidate of candidates) {
    if (candidate.guard !== undefined && !candidate.guard(snapshot.context, event)) continue;
    let context = snapshot.context;
    for (const action of candidate.actions) context = action(context, event);
    return { state: candidate.target ?? snapshot.state, context };
  }
  return null;
}
