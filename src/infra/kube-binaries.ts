import { join } from 'node:path';
import { projectRoot } from './paths';
import { runScript } from './run-script';

export interface KubeBinaries {
  kubeApiserver: string;
  etcd: string;
}

/** kube-apiserver and etcd at the pinned versions, built from Go modules into the user cache on first use. */
export async function kubeBinaries(): Promise<KubeBinaries> {
  const dir = process.env.MPDFLOW_KUBE_BIN_DIR ?? (await runScript(join(projectRoot, 'tools', 'kube', 'build.sh')));
  return { kubeApiserver: join(dir, 'kube-apiserver'), etcd: join(dir, 'etcd') };
}
