/**
 * The fleet disruption budget: at most K clusters in a disruptive transition at once, per rule (all clusters, or
 * those matching a label selector). Slots are the clusters' own states as the informer holds them — durable on the
 * API server, recounted by any controller that starts — plus this process's writes the watch has not delivered yet.
 * Check and reserve are one synchronous step, so parallel reconciles never take the same slot twice.
 */
import type { MPDCluster } from '../kube/mpdcluster';

export interface BudgetRule {
  max: number;
  /** Equality selector (label → value); empty: every cluster. */
  selector: Record<string, string>;
  /** As written: `2`, or `1@wave=canary`. */
  text: string;
}

/** Parses `K` or `K@label=value,label2=value2` (one rule each); throws with the expected form. */
export function parseBudgetRule(text: string): BudgetRule {
  const match = /^(\d+)(?:@(.+))?$/.exec(text.trim());
  const bad = () => new Error(`disruption budget "${text}": expected K or K@label=value[,label=value] with K ≥ 1, e.g. 2 or 1@wave=canary`);
  if (!match) throw bad();
  const max = Number(match[1]);
  if (max < 1) throw bad();
  const selector: Record<string, string> = {};
  for (const pair of match[2]?.split(',') ?? []) {
    const [label, value, extra] = pair.split('=');
    if (!label || value === undefined || extra !== undefined) throw bad();
    selector[label.trim()] = value.trim();
  }
  return { max, selector, text: text.trim() };
}

export interface BudgetView {
  /** Every cluster this controller manages, as the informer holds them. */
  clusters(): MPDCluster[];
  /** In a disruptive transition (its state is one a disruptive transition enters). */
  isDisrupting(cluster: MPDCluster): boolean;
  /** Waiting for a slot since this time (ISO), or undefined. */
  queuedSince(cluster: MPDCluster): string | undefined;
  /** The rule whose slot it waits for (its text); a cluster waits in that rule's queue only. */
  queuedBy?(cluster: MPDCluster): string | undefined;
  /** What a slot's holder is doing when people would not guess it (a paused run, one waiting for approval). */
  holderNote?(cluster: MPDCluster): string | undefined;
}

export type BudgetAnswer = { granted: true } | { granted: false; rule: BudgetRule; running: string[]; ahead: number };

const keyOf = (cluster: MPDCluster) => `${cluster.metadata.namespace}/${cluster.metadata.name}`;
const matches = (rule: BudgetRule, cluster: MPDCluster) => Object.entries(rule.selector).every(([label, value]) => cluster.metadata.labels?.[label] === value);

export class DisruptionBudget {
  /** Transitions this process wrote, by cluster, until the watch shows them (transition id). */
  private readonly reserved = new Map<string, number>();
  /** Clusters last seen disrupting: one leaving wakes the queue. */
  private readonly disrupting = new Set<string>();

  constructor(
    readonly rules: BudgetRule[],
    private readonly view: BudgetView,
  ) {}

  private holds(cluster: MPDCluster): boolean {
    const key = keyOf(cluster);
    const reservedId = this.reserved.get(key);
    if (reservedId !== undefined) {
      if ((cluster.status?.transition?.id ?? 0) < reservedId) return true;
      this.reserved.delete(key);
    }
    return this.view.isDisrupting(cluster);
  }

  /**
   * Takes a slot for `cluster`'s transition `transitionId` when every rule it falls under has one free for it:
   * fewer clusters disrupting plus clusters queued ahead of it (oldest request first, then namespace/name) than K.
   */
  tryAcquire(cluster: MPDCluster, transitionId: number, since: string): BudgetAnswer {
    const key = keyOf(cluster);
    const all = this.view.clusters().filter((c) => keyOf(c) !== key);
    const order = (c: MPDCluster) => `${this.view.queuedSince(c)}\u0000${keyOf(c)}`;
    const mine = `${since}\u0000${key}`;
    for (const rule of this.rules) {
      if (!matches(rule, cluster)) continue;
      const members = all.filter((c) => matches(rule, c));
      const holders = members.filter((c) => this.holds(c));
      // Queued ahead in this rule's queue only: a canary waiting for its wave's slot does not hold back the fleet.
      const ahead = members.filter((c) => !holders.includes(c) && this.inQueueOf(rule, c) && order(c) < mine).length;
      if (holders.length + ahead >= rule.max) return { granted: false, rule, running: holders.map((c) => this.describe(c)), ahead };
    }
    this.reserved.set(key, transitionId);
    return { granted: true };
  }

  private inQueueOf(rule: BudgetRule, cluster: MPDCluster): boolean {
    return this.view.queuedSince(cluster) !== undefined && (this.view.queuedBy?.(cluster) ?? rule.text) === rule.text;
  }

  private describe(cluster: MPDCluster): string {
    const note = this.view.holderNote?.(cluster);
    return note ? `${keyOf(cluster)} (${note})` : keyOf(cluster);
  }

  /** The write of a reserved transition failed: the slot is free again. */
  release(cluster: MPDCluster): void {
    this.reserved.delete(keyOf(cluster));
  }

  /** Called with each cluster a reconcile reads (undefined: gone); returns the queued clusters to look at again when a slot freed. */
  observe(key: string, cluster: MPDCluster | undefined): string[] {
    const now = cluster !== undefined && this.holds(cluster);
    const was = this.disrupting.has(key);
    if (now) this.disrupting.add(key);
    else this.disrupting.delete(key);
    if (!was || now) return [];
    return this.view.clusters().filter((c) => this.view.queuedSince(c) !== undefined).map(keyOf);
  }
}
