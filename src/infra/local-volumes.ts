import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeClients } from '../kube/client';
import { rootLogger } from './log';

/** The local StorageClass (the default class): claims of it bind to a hostPath volume made for them. */
export const localStorageClass = 'mpdflow-local';
export const localProvisioner = 'mpdflow.local/hostpath';

/**
 * A tiny provisioner of hostPath volumes: one directory per claim under `volumesDir`, a PersistentVolume of
 * exactly the claim's size and access modes (ReadWriteMany included: every pod of a one-machine cluster sees the
 * same directory), pre-bound to the claim so the PV controller binds it. It also grows a claim (a hostPath
 * directory has no size: the PV's and the claim's capacity are raised to the request, as an external resizer
 * would), and deletes the volume and its directory once its claim is gone.
 */
export class LocalVolumeProvisioner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log = rootLogger.child({ component: 'local-volume-provisioner' });

  constructor(
    private readonly kube: KubeClients,
    private readonly volumesDir: string,
    private readonly intervalMs = 500,
  ) {}

  async installStorageClass(): Promise<void> {
    const body = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: localStorageClass, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: localProvisioner,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
      allowVolumeExpansion: true,
    };
    try {
      await this.kube.objects.create(body);
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }

  start(): void {
    mkdirSync(this.volumesDir, { recursive: true });
    const tick = () => {
      this.running = this.reconcile()
        .catch((error: unknown) => this.log.warn({ err: error }, 'local volume provisioner pass failed'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
  }

  /** One pass: provision pending claims, grow claims, delete released volumes. */
  async reconcile(): Promise<void> {
    const [claims, volumes] = await Promise.all([
      this.kube.core.listPersistentVolumeClaimForAllNamespaces(),
      this.kube.core.listPersistentVolume(),
    ]);
    const ours = volumes.items.filter((pv) => pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] === localProvisioner);
    const byClaim = new Map(ours.map((pv) => [pv.spec?.claimRef?.uid, pv]));
    for (const claim of claims.items) {
      if (claim.spec?.storageClassName !== localStorageClass || claim.metadata?.deletionTimestamp) continue;
      const volume = byClaim.get(claim.metadata?.uid);
      if (!volume) await this.provision(claim);
      else await this.resize(claim, volume);
    }
    for (const volume of ours) {
      if (volume.status?.phase === 'Released' || volume.status?.phase === 'Failed') await this.remove(volume);
    }
  }

  private async provision(claim: V1PersistentVolumeClaim): Promise<void> {
    const { namespace, name, uid } = claim.metadata as { namespace: string; name: string; uid: string };
    const size = claim.spec?.resources?.requests?.storage ?? '1Gi';
    const path = join(this.volumesDir, `${namespace}_${name}_${uid}`);
    mkdirSync(path, { recursive: true, mode: 0o777 });
    const volume: V1PersistentVolume = {
      metadata: { name: `pvc-${uid}`, annotations: { 'pv.kubernetes.io/provisioned-by': localProvisioner } },
      spec: {
        capacity: { storage: size },
        accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: localStorageClass,
        volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace, name, uid },
        hostPath: { path, type: 'Directory' },
      },
    };
    try {
      await this.kube.core.createPersistentVolume({ body: volume });
      this.log.info({ claim: `${namespace}/${name}`, size, path }, 'provisioned a local volume');
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }

  private async resize(claim: V1PersistentVolumeClaim, volume: V1PersistentVolume): Promise<void> {
    const requested = claim.spec?.resources?.requests?.storage;
    if (!requested || claim.status?.phase !== 'Bound') return;
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    if (volume.spec?.capacity?.storage !== requested && bytes(requested) > bytes(volume.spec?.capacity?.storage)) {
      await this.kube.core.patchPersistentVolume({ name: volume.metadata!.name!, body: { spec: { capacity: { storage: requested } } } }, merge);
    }
    const current = claim.status?.capacity?.storage;
    if (current !== requested && bytes(requested) > bytes(current)) {
      await this.kube.core.patchNamespacedPersistentVolumeClaimStatus(
        {
          name: claim.metadata!.name!,
          namespace: claim.metadata!.namespace!,
          body: { status: { capacity: { storage: requested }, allocatedResources: { storage: requested }, conditions: [] } },
        },
        merge,
      );
      this.log.info({ claim: `${claim.metadata!.namespace}/${claim.metadata!.name}`, from: current, to: requested }, 'grew a local volume');
    }
  }

  private async remove(volume: V1PersistentVolume): Promise<void> {
    const path = volume.spec?.hostPath?.path;
    if (path?.startsWith(this.volumesDir + '/')) rmSync(path, { recursive: true, force: true });
    try {
      await this.kube.core.deletePersistentVolume({ name: volume.metadata!.name! });
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }
}

/** A Kubernetes quantity in bytes (enough for storage sizes: plain, decimal and binary suffixes). */
export function bytes(quantity: string | undefined): number {
  if (!quantity) return 0;
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(quantity.trim());
  if (!match) return 0;
  const units: Record<string, number> = {
    '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50,
  };
  return Number(match[1]) * (units[match[2]!] ?? 1);
}
