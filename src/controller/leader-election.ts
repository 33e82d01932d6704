import type { Logger } from 'pino';
import { apiStatus, type KubeClients } from '../kube/client';
import { rawKubeRequest } from '../kube/raw-request';

export interface LeaderElectionOptions {
  kube: KubeClients;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewEveryMs?: number;
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
 * every write conditional on the resourceVersion just read. Of several controllers exactly one acts.
 */
export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  private readonly durationMs: number;
  private readonly path: string;

  constructor(private readonly options: LeaderElectionOptions) {
    this.durationMs = options.leaseDurationMs ?? 15_000;
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${options.namespace}/leases`;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    const every = this.options.renewEveryMs ?? Math.floor(this.durationMs / 3);
    this.timer = setTimeout(() => void this.tick(), every);
  }

  private async tick(): Promise<void> {
    try {
      const held = await this.tryAcquireOrRenew();
      if (held) this.lastRenew = Date.now();
      if (held && !this.leading) {
        this.leading = true;
        this.options.log.info({ identity: this.options.identity }, 'became leader');
        await this.options.onStartedLeading();
      } else if (!held && this.leading) {
        await this.lose('the lease was taken by another controller');
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'lease renewal failed');
      // Past the lease duration without a renewal another controller may already act: stop.
      if (this.leading && Date.now() - this.lastRenew > this.durationMs * 0.8) await this.lose('the lease could not be renewed in time');
    }
    this.schedule();
  }

  private async lose(why: string): Promise<void> {
    this.leading = false;
    this.options.log.warn({ identity: this.options.identity }, `lost leadership: ${why}`);
    await this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { identity, name, namespace } = this.options;
    const now = new Date();
    let lease: Lease;
    try {
      lease = (await rawKubeRequest(this.options.kube.config, 'GET', `${this.path}/${name}`)) as Lease;
    } catch (error) {
      if (apiStatus(error) !== 404) throw error;
      await rawKubeRequest(this.options.kube.config, 'POST', this.path, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: Math.ceil(this.durationMs / 1000), acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      }).catch((createError: unknown) => {
        if (apiStatus(createError) === 409) return;
        throw createError;
      });
      return false; // re-read next tick: whoever created it holds it
    }
    const holder = lease.spec.holderIdentity;
    const renewed = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
    const expired = !holder || renewed + (lease.spec.leaseDurationSeconds ?? 15) * 1000 < now.getTime();
    this.options.log.debug({ holder, renewTime: lease.spec.renewTime, expired }, 'lease read');
    if (holder !== identity && !expired) return false;
    const spec = {
      ...lease.spec,
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.durationMs / 1000),
      renewTime: microTime(now),
      ...(holder !== identity ? { acquireTime: microTime(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    try {
      await rawKubeRequest(this.options.kube.config, 'PUT', `${this.path}/${name}`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: lease.metadata, spec });
      return true;
    } catch (error) {
      if (apiStatus(error) === 409) return false;
      throw error;
    }
  }

  /** Stops renewing and, when leading, frees the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = (await rawKubeRequest(this.options.kube.config, 'GET', `${this.path}/${this.options.name}`)) as Lease;
      if (lease.spec.holderIdentity === this.options.identity) {
        await rawKubeRequest(this.options.kube.config, 'PUT', `${this.path}/${this.options.name}`, {
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
