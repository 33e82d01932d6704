/**
 * The seed's statemachine package in TypeScript: stable states, ordered transition checkers, and for each unstable
 * state the flow that brings the resource back to a stable one. It knows nothing of Temporal or Kubernetes.
 */
import { States } from '../contract/states';

export type State = string;

export interface StateEvent {
  name: string;
  /** Become the flow's initial context (the seed's Event.Params). */
  params?: Record<string, unknown>;
  /** The request that fired it (annotation key → value): the flow consumes exactly this, nothing written later. */
  trigger?: Record<string, string>;
}

/** Looks at a resource and answers whether its transition should fire. */
export type Checker<R> = (resource: R) => StateEvent | undefined | Promise<StateEvent | undefined>;

export interface TransitionOptions {
  /** The seed's ignoreUnCompleted (Rebuild, ExtendStorage): do not finish another open flow first; replace it. */
  ignoreUnCompleted?: boolean;
  /**
   * Its flow disrupts the cluster (restarts, switches, replaces pods): it waits for the maintenance window and the
   * disruption budget. A predicate decides per event (a requested Rebuild waits; a repair of a dead cluster never does).
   */
  disruptive?: boolean | ((event: StateEvent) => boolean);
}

export interface Transition<R> {
  from: State;
  checker: Checker<R>;
  to: State;
  flowName: string;
  options: TransitionOptions;
}

/** What the checkers of a stable state decided. */
export type CheckOutcome<R> =
  | { kind: 'fire'; transition: Transition<R>; event: StateEvent }
  | { kind: 'ignored'; event: StateEvent; transition: Transition<R> }
  | { kind: 'none' }
  | { kind: 'error'; error: unknown };

export class StateMachine<R> {
  private readonly stable = new Set<State>();
  private readonly transitions = new Map<State, Transition<R>[]>();
  private readonly entries = new Map<State, Transition<R>>();
  private ignoredEvents = new Set<string>();

  registerStableState(...states: State[]): this {
    for (const state of states) this.stable.add(state);
    return this;
  }

  registerIgnoreEvents(names: string[]): this {
    this.ignoredEvents = new Set(names);
    return this;
  }

  /** Checkers of one `from` state run in registration order; entering `to` runs `flowName` (the last registration wins). */
  registerTransition(from: State, checker: Checker<R>, to: State, flowName: string, options: TransitionOptions = {}): this {
    const transition: Transition<R> = { from, checker, to, flowName, options };
    this.transitions.set(from, [...(this.transitions.get(from) ?? []), transition]);
    this.entries.set(to, transition);
    return this;
  }

  /** `""` is Creating, as in the seed. */
  normalize(state: State | undefined): State {
    return state ? state : States.creating;
  }

  isStable(state: State): boolean {
    return this.stable.has(state);
  }

  isRegistered(state: State): boolean {
    return this.stable.has(state) || this.entries.has(state);
  }

  /** The transition whose flow an unstable state runs, with its checker. */
  entryOf(state: State): Transition<R> | undefined {
    return this.entries.get(state);
  }

  /**
   * Whether the transition from → to is disruptive (`from` unknown: the state's entry decides), for this event when
   * it is known; a per-event transition with no event counts as disruptive.
   */
  isDisruptive(from: State | undefined, to: State, event?: StateEvent): boolean {
    const transition = (from !== undefined ? this.transitions.get(from)?.find((t) => t.to === to) : undefined) ?? this.entries.get(to);
    const disruptive = transition?.options.disruptive;
    return typeof disruptive === 'function' ? (event ? disruptive(event) : true) : disruptive === true;
  }

  states(): State[] {
    return [...new Set([...this.stable, ...this.entries.keys()])];
  }

  allTransitions(): Transition<R>[] {
    return [...this.transitions.values()].flat();
  }

  /**
   * The seed's CheckSetStateTranslate without the write: the first event wins, an ignored event stops evaluation,
   * and checker errors surface only when nothing fired (the last one wins). `skip`: transitions passed over (a held
   * disruptive one lets the next checkers speak).
   */
  async check(state: State, resource: R, skip?: (transition: Transition<R>) => boolean): Promise<CheckOutcome<R>> {
    let lastError: unknown;
    let failed = false;
    for (const transition of this.transitions.get(state) ?? []) {
      if (skip?.(transition)) continue;
      let event: StateEvent | undefined;
      try {
        event = await transition.checker(resource);
      } catch (error) {
        lastError = error;
        failed = true;
        continue;
      }
      if (!event) continue;
      if (this.ignoredEvents.has(event.name)) return { kind: 'ignored', event, transition };
      return { kind: 'fire', transition, event };
    }
    return failed ? { kind: 'error', error: lastError } : { kind: 'none' };
  }
}
