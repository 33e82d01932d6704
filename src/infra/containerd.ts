import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SupervisedProcess } from './supervised-process';
import type { NodeNamespace } from './node-namespace';
import type { NodeIdentity } from './node-identity';
import type { ImageArchive, NodeRuntime } from './node-runtime';
import { waitUntil } from './wait';

const run = promisify(execFile);

export interface Containerd {
  /** The CRI endpoint for the kubelet: unix://<socket>. */
  endpoint: string;
  socket: string;
  process: SupervisedProcess;
  /** Imports OCI image tarballs into the CRI namespace (k8s.io), unless the same image is already there. */
  importImages(images: ImageArchive[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * containerd on its own socket, root and state under the data directory, with its own CNI configuration
 * (a bridge named after the stack, host-local addresses from the stack's pod subnet) and the CRI settings this
 * VM needs: restrict_oom_score_adj, because it lacks CAP_SYS_RESOURCE.
 */
export async function startContainerd(options: {
  dataDir: string;
  socketDir: string;
  runtime: NodeRuntime;
  identity: NodeIdentity;
  namespace: NodeNamespace;
  sandboxImage: string;
}): Promise<Containerd> {
  const dir = join(options.dataDir, 'containerd');
  const cniConfDir = join(dir, 'cni', 'net.d');
  mkdirSync(cniConfDir, { recursive: true });
  mkdirSync(options.socketDir, { recursive: true });
  const socket = join(options.socketDir, 'containerd.sock');
  rmSync(socket, { force: true });
  writeFileSync(join(cniConfDir, '10-mpdflow.conflist'), JSON.stringify(cniConfig(options.identity, join(dir, 'cni', 'ipam')), null, 2));
  const configPath = join(dir, 'config.toml');
  writeFileSync(configPath, containerdConfig({ dir, socket, cniConfDir, runtime: options.runtime, sandboxImage: options.sandboxImage }));

  const entered = options.namespace.enter(options.runtime.containerd, ['--config', configPath, '--log-level', 'warn']);
  const process = new SupervisedProcess({ name: 'containerd', ...entered, logFile: join(options.dataDir, 'containerd.log') });
  const ctr = (...args: string[]) => run(options.runtime.ctr, ['--address', socket, ...args], { maxBuffer: 16 * 1024 * 1024 });
  await waitUntil(async () => existsSync(socket) && (await ctr('version')).stdout.includes('Server'), {
    timeoutMs: 30_000,
    intervalMs: 100,
    describe: () => process.describeExit(),
    abortIf: () => (process.hasExited ? process.describeExit() : undefined),
  });
  return {
    endpoint: `unix://${socket}`,
    socket,
    process,
    async importImages(images) {
      const present = (await ctr('--namespace', 'k8s.io', 'images', 'list')).stdout;
      const missing = images.filter((image) => !present.split('\n').some((line) => line.startsWith(`${image.reference} `) && line.includes(image.digest)));
      // Each archive once (the engine versions share one), one at a time.
      for (const archive of new Set(missing.map((image) => image.archive))) await ctr('--namespace', 'k8s.io', 'images', 'import', archive);
    },
    stop: () => process.stop(),
  };
}

function cniConfig(identity: NodeIdentity, ipamDir: string): unknown {
  return {
    cniVersion: '0.4.0',
    name: `mpdflow-${identity.stackId}`,
    plugins: [
      {
        type: 'bridge',
        bridge: identity.bridge,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: identity.podCidr }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: ipamDir },
      },
      { type: 'loopback' },
    ],
  };
}

function containerdConfig(o: { dir: string; socket: string; cniConfDir: string; runtime: NodeRuntime; sandboxImage: string }): string {
  const q = (s: string) => JSON.stringify(s);
  return `version = 2
root = ${q(join(o.dir, 'root'))}
state = ${q(join(o.dir, 'state'))}
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${q(o.socket)}

[ttrpc]
  address = ${q(`${o.socket}.ttrpc`)}

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(join(o.dir, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${q(o.sandboxImage)}
  # This VM lacks CAP_SYS_RESOURCE: without this runc cannot create the sandbox.
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  netns_mounts_under_state_dir = true
  enable_unprivileged_ports = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = ${q(o.runtime.runc)}
        Root = ${q(join(o.dir, 'runc'))}
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${q(o.runtime.cniBinDir)}
    conf_dir = ${q(o.cniConfDir)}
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
`;
}
