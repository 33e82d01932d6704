import { join } from 'node:path';
import { SupervisedProcess } from './supervised-process';

/** What the scheduler and the controller manager share: their own kubeconfig for everything, loopback only, one replica. */
function loopbackComponentArgs(kubeconfig: string, port: number): string[] {
  return [
    '--kubeconfig', kubeconfig,
    '--authentication-kubeconfig', kubeconfig,
    '--authorization-kubeconfig', kubeconfig,
    '--bind-address', '127.0.0.1',
    '--secure-port', String(port),
    '--leader-elect=false',
  ];
}

/** kube-scheduler with its own identity (system:kube-scheduler), serving only on loopback. */
export function startKubeScheduler(options: { dataDir: string; binary: string; kubeconfig: string; port: number }): SupervisedProcess {
  return new SupervisedProcess({
    name: 'kube-scheduler',
    command: options.binary,
    args: [
      ...loopbackComponentArgs(options.kubeconfig, options.port),
      // A pod created just before its claim binds is sometimes left unschedulable though the binding event came
      // (seen here once in a few runs; kubernetes#87145, #125762): retry such pods after 10 s, not the default 5 min.
      '--pod-max-in-unschedulable-pods-duration', '10s',
      '-v', '1',
    ],
    logFile: join(options.dataDir, 'kube-scheduler.log'),
  });
}

/**
 * kube-controller-manager with its own identity (system:kube-controller-manager); each controller acts as its own
 * ServiceAccount (--use-service-account-credentials), whose tokens it signs with the API server's key.
 * Runs the default controllers: garbage collector, Deployment/ReplicaSet, PV binder and protection, node lifecycle,
 * ServiceAccount and its token and root-CA publishers, namespace deletion, and the rest.
 */
export function startKubeControllerManager(options: {
  dataDir: string;
  binary: string;
  kubeconfig: string;
  port: number;
  caCert: string;
  serviceAccountKey: string;
}): SupervisedProcess {
  return new SupervisedProcess({
    name: 'kube-controller-manager',
    command: options.binary,
    args: [
      ...loopbackComponentArgs(options.kubeconfig, options.port),
      '--use-service-account-credentials=true',
      '--service-account-private-key-file', options.serviceAccountKey,
      '--root-ca-file', options.caCert,
      '--cluster-signing-cert-file', options.caCert,
      '--cluster-signing-key-file', join(options.caCert, '..', 'ca.key'),
      '--allocate-node-cidrs=false',
      '--controllers', '*,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller',
      // Kubernetes' default: an API server restarted under load can be away for 20 s and more, and a shorter grace
      // marks the node NotReady and taints it meanwhile (pods then stay unscheduled: seen in the soak with 20 s).
      '--node-monitor-grace-period', '50s',
      '--concurrent-gc-syncs', '5',
      '-v', '1',
    ],
    logFile: join(options.dataDir, 'kube-controller-manager.log'),
  });
}
