import { join } from 'node:path';
import { projectRoot } from './paths';
import { runScript } from './run-script';

export interface KubeBinaries {
  kubeApiserver: string;
  etcd: string;
}

export interface KubeNodeBinaries {
  kubelet: string;
  kubeScheduler: string;
  kubeControllerManager: string;
  kubeProxy: string;
}

/** Builds (once, into the user cache) the named binaries of tools/kube/versions.env and returns their directory. */
function buildKube(names: string[]): Promise<string> {
  return process.env.MPDFLOW_KUBE_BIN_DIR
    ? Promise.resolve(process.env.MPDFLOW_KUBE_BIN_DIR)
    : runScript(join(projectRoot, 'tools', 'kube', 'build.sh'), names);
}

/** kube-apiserver and etcd at the pinned versions, built from Go modules into the user cache on first use. */
export async function kubeBinaries(): Promise<KubeBinaries> {
  const dir = await buildKube(['etcd', 'kube-apiserver']);
  return { kubeApiserver: join(dir, 'kube-apiserver'), etcd: join(dir, 'etcd') };
}

/** The node's and the controllers' binaries, from the same pinned Kubernetes version and cache. */
export async function kubeNodeBinaries(): Promise<KubeNodeBinaries> {
  const dir = await buildKube(['kubelet', 'kube-scheduler', 'kube-controller-manager', 'kube-proxy']);
  return {
    kubelet: join(dir, 'kubelet'),
    kubeScheduler: join(dir, 'kube-scheduler'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubeProxy: join(dir, 'kube-proxy'),
  };
}

/** kubectl of the same version (for `mpdflow dev` users and the README): its path. */
export async function kubectlBinary(): Promise<string> {
  return join(await buildKube(['kubectl']), 'kubectl');
}
