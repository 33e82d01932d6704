import type { Logger } from 'pino';
import { apiStatus, type KubeClients } from '../kube/client';
import { rawKubeRequest } from '../kube/raw-request';
import { NotLeaderError } from './not-leader';

export interface LeaderElectionOptions {
  kube: KubeClients;
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease nobody renews stays taken (client-go: 15 s). */
  leaseDurationMs?: number;
  /** A leader that has not renewed within this stops acting (client-go: 10 s); shorter than the lease duration. */
  renewDeadlineMs?: number;
  /** How often to try to acquire or renew (client-go: 2 s). */
  retryPeriodMs?: number;
  onStartedLeading(): Promise<void> | void;
  /** Leadership was lost (not released): the process must stop acting at once. */
  onStoppedLeading(): Promise<void> | void;
  log: Logger;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string | null; leaseDurationSeconds?: number; acquireTime?: string | null; renewTime?: string | null; leaseTransitions?: number };
}

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
const microTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/**
 * client-go's leader election on a coordination.k8s.io Lease: take it when free or expired, renew it while held,
 * every write conditional on the resourceVersion just read. Expiry is judged by when this process last saw the
 * lease change (never by comparing another host's clock with ours), every request times out before the renew
 * deadline, and a timer ends leadership at the deadline even while a request hangs.
 */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private renewedAt = 0;
  private observed: { record: string; at: number } | undefined;
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly requestTimeoutMs: number;
  private readonly path: string;

  constructor(private readonly options: LeaderElectionOptions) {
    this.durationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? Math.floor((this.durationMs * 2) / 3);
    this.retryPeriodMs = options.retryPeriodMs ?? Math.max(200, Math.floor(this.durationMs / 7.5));
    if (this.renewDeadlineMs >= this.durationMs) throw new Error('the renew deadline must be shorter than the lease duration');
    this.requestTimeoutMs = Math.max(100, Math.floor(this.renewDeadlineMs / 2));
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${options.namespace}/leases`;
  }

  /** Leading, and renewed within the deadline: what the fence checks before every write. */
  get isLeader(): boolean {
    return this.leading && Date.now() < this.renewedAt + this.renewDeadlineMs;
  }

  /** Throws unless this process may act now. */
  fence(): void {
    if (!this.isLeader) throw new NotLeaderError(`${this.options.identity} does not hold the lease ${this.options.namespace}/${this.options.name}`);
  }

  start(): void {
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const held = await this.tryAcquireOrRenew();
      if (this.stopped) return;
      if (held) {
        this.renewedAt = Date.now();
        this.armDeadline();
        if (!this.leading) {
          this.leading = true;
          this.options.log.info({ identity: this.options.identity }, 'became leader');
          // Outside the renew loop: starting the controller must never delay a renewal.
          void Promise.resolve()
            .then(() => this.options.onStartedLeading())
            .catch((error: unknown) => this.options.log.error({ err: error }, 'starting as leader failed'));
        }
      } else if (this.leading) {
        await this.lose('the lease was taken by another controller');
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'lease acquire/renew failed');
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retryPeriodMs);
  }

  /** Leadership ends at the renew deadline unless a renewal comes first, even while a request hangs. */
  private armDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = setTimeout(() => void this.lose('the lease could not be renewed within the renew deadline'), this.renewedAt + this.renewDeadlineMs - Date.now());
  }

  private async lose(why: string): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    if (this.deadline) clearTimeout(this.deadline);
    // validUntil: the fence refused every action from then on, whenever this line gets written.
    this.options.log.warn({ identity: this.options.identity, validUntil: this.renewedAt + this.renewDeadlineMs }, `lost leadership: ${why}`);
    try {
      await this.options.onStoppedLeading();
    } catch (error) {
      this.options.log.error({ err: error }, 'stopping after lost leadership failed');
    }
  }

  private request(method: string, path: string, body?: unknown): Promise<unknown> {
    return rawKubeRequest(this.options.kube.config, method, path, body, 'application/json', this.requestTimeoutMs);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { identity, name, namespace } = this.options;
    let lease: Lease;
    try {
      lease = (await this.request('GET', `${this.path}/${name}`)) as Lease;
    } catch (error) {
      if (apiStatus(error) !== 404) throw error;
      const now = microTime(new Date());
      await this.request('POST', this.path, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: Math.ceil(this.durationMs / 1000), acquireTime: now, renewTime: now, leaseTransitions: 0 },
      }).catch((createError: unknown) => {
        if (apiStatus(createError) === 409) return;
        throw createError;
      });
      return false; // re-read next tick: whoever created it holds it
    }
    const holder = lease.spec.holderIdentity;
    const record = JSON.stringify([holder, lease.spec.renewTime, lease.spec.acquireTime, lease.spec.leaseTransitions]);
    if (this.observed?.record !== record) this.observed = { record, at: Date.now() };
    const expired = !holder || this.observed.at + (lease.spec.leaseDurationSeconds ?? 15) * 1000 < Date.now();
    this.options.log.debug({ holder, renewTime: lease.spec.renewTime, expired }, 'lease read');
    if (holder !== identity && !expired) return false;
    const now = microTime(new Date());
    const spec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.durationMs / 1000),
      renewTime: now,
      ...(holder !== identity ? { acquireTime: now, leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await this.request('PUT', `${this.path}/${name}`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec });
      return true;
    } catch (error) {
      if (apiStatus(error) === 409) return false;
      throw error;
    }
  }

  /** Stops renewing and, when leading, frees the lease so a standby takes over at once. Call after halting work. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = (await this.request('GET', `${this.path}/${this.options.name}`)) as Lease;
      if (lease.spec.holderIdentity === this.options.identity) {
        await this.request('PUT', `${this.path}/${this.options.name}`, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: lease.metadata,
          spec: { ...lease.spec, holderIdentity: null, renewTime: null },
        });
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not release the lease; it will expire');
    }
  }
}
