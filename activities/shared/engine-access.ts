/**
 * What a cluster's engines and its applications need besides pods: the credentials Secret (superuser, replication,
 * the HA manager's API), the engines' ServiceAccount bound to the HA manager's ClusterRole in this namespace only, and
 * the Services `<name>-rw` (the writer: no selector, its Endpoints are the HA manager's, written with the leader lock)
 * and `<name>-ro` (the standbys, by the role label the HA manager writes), and server TLS from a CA of the cluster's
 * own. All owned by the cluster; created once, and a retry finds them (the first Secret's passwords and keys stay).
 */
import { randomBytes } from 'node:crypto';
import type { V1Service } from '@kubernetes/client-node';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import { enginePort } from './engine-pod';
import type { Ctx } from './instances';
import {
  credentialKeys,
  engineCaSecretName,
  engineClusterRoleName,
  engineTlsSecretName,
  engineRoles,
  engineSecretName,
  engineServiceAccountName,
  labels,
  ownerReference,
  roServiceName,
  rwServiceName,
} from './names';
import { createOwned, removeOwned } from './owned-objects';
import { newClusterCa, newServerCertificate, serviceDnsNames, type Pem } from './engine-tls';
import type { PatroniCredentials } from './patroni';

export const superuserName = 'postgres';

const newPassword = () => randomBytes(24).toString('base64url');

/** A Service of the cluster's engines; without a role, its Endpoints are someone else's (the HA manager's). */
function service(cluster: MPDCluster, name: string, role?: string): V1Service {
  const port = enginePort(cluster);
  return {
    metadata: { name, labels: { [labels.managedBy]: 'mpdflow', [labels.cluster]: cluster.metadata.name! }, ownerReferences: [ownerReference(cluster)] },
    spec: {
      type: 'ClusterIP',
      ...(role ? { selector: { [labels.cluster]: cluster.metadata.name!, [labels.role]: role } } : {}),
      ports: [{ name: 'postgresql', port, targetPort: port, protocol: 'TCP' }],
    },
  };
}

export async function ensureEngineAccess(ctx: Ctx, cluster: MPDCluster): Promise<void> {
  const namespace = ctx.resource.namespace;
  const name = cluster.metadata.name!;
  const owned = { ownerReferences: [ownerReference(cluster)], labels: { [labels.managedBy]: 'mpdflow', [labels.cluster]: name } };
  const core = ctx.services.kube.core;
  const secret = engineSecretName(name);
  await createOwned(
    cluster,
    `Secret ${secret}`,
    () =>
      core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: secret, ...owned },
          type: 'Opaque',
          stringData: { [credentialKeys.superuser]: newPassword(), [credentialKeys.replication]: newPassword(), [credentialKeys.api]: newPassword() },
        },
      }),
    () => core.readNamespacedSecret({ namespace, name: secret }),
    (options) => core.deleteNamespacedSecret({ namespace, name: secret, ...options }),
  );
  await ensureTls(ctx, cluster, owned);
  const account = engineServiceAccountName(name);
  await createOwned(
    cluster,
    `ServiceAccount ${account}`,
    () => core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: account, ...owned } } }),
    () => core.readNamespacedServiceAccount({ namespace, name: account }),
    (options) => core.deleteNamespacedServiceAccount({ namespace, name: account, ...options }),
  );
  const rbac = ctx.services.kube.rbac;
  await createOwned(
    cluster,
    `RoleBinding ${account}`,
    () =>
      rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name: account, ...owned },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: engineClusterRoleName() },
          subjects: [{ kind: 'ServiceAccount', name: account, namespace }],
        },
      }),
    () => rbac.readNamespacedRoleBinding({ namespace, name: account }),
    (options) => rbac.deleteNamespacedRoleBinding({ namespace, name: account, ...options }),
  );
  for (const [serviceName, role] of [
    [rwServiceName(name), undefined],
    [roServiceName(name), engineRoles.replica],
  ] as const) {
    await createOwned(
      cluster,
      `Service ${serviceName}`,
      () => core.createNamespacedService({ namespace, body: service(cluster, serviceName, role) }),
      () => core.readNamespacedService({ namespace, name: serviceName }),
      (options) => core.deleteNamespacedService({ namespace, name: serviceName, ...options }),
    );
  }
}

/**
 * Release: the credentials, the engines' account and the Services go with the cluster, not later by the garbage
 * collector, so a cluster created again under this name makes its own at once.
 */
export async function removeEngineAccess(ctx: Ctx, cluster: MPDCluster): Promise<void> {
  const { namespace, name } = ctx.resource;
  const core = ctx.services.kube.core;
  for (const secret of [engineSecretName(name), engineTlsSecretName(name), engineCaSecretName(name)]) {
    await removeOwned(cluster, () => core.readNamespacedSecret({ namespace, name: secret }), (options) => core.deleteNamespacedSecret({ namespace, name: secret, ...options }));
  }
  const account = engineServiceAccountName(name);
  const rbac = ctx.services.kube.rbac;
  await removeOwned(cluster, () => rbac.readNamespacedRoleBinding({ namespace, name: account }), (options) => rbac.deleteNamespacedRoleBinding({ namespace, name: account, ...options }));
  await removeOwned(cluster, () => core.readNamespacedServiceAccount({ namespace, name: account }), (options) => core.deleteNamespacedServiceAccount({ namespace, name: account, ...options }));
  for (const service of [rwServiceName(name), roServiceName(name)]) {
    await removeOwned(cluster, () => core.readNamespacedService({ namespace, name: service }), (options) => core.deleteNamespacedService({ namespace, name: service, ...options }));
  }
}

/** The cluster's CA (made once) and the engines' server certificate for both Services' names, signed by it. */
async function ensureTls(ctx: Ctx, cluster: MPDCluster, owned: { ownerReferences: ReturnType<typeof ownerReference>[]; labels: Record<string, string> }): Promise<void> {
  const namespace = ctx.resource.namespace;
  const name = cluster.metadata.name!;
  const core = ctx.services.kube.core;
  const caName = engineCaSecretName(name);
  await createOwned(
    cluster,
    `Secret ${caName}`,
    () => {
      const ca = newClusterCa(name, namespace);
      return core.createNamespacedSecret({ namespace, body: { metadata: { name: caName, ...owned }, type: 'Opaque', stringData: { 'ca.crt': ca.cert, 'ca.key': ca.key } } });
    },
    () => core.readNamespacedSecret({ namespace, name: caName }),
    (options) => core.deleteNamespacedSecret({ namespace, name: caName, ...options }),
  );
  const tlsName = engineTlsSecretName(name);
  const decode = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');
  await createOwned(
    cluster,
    `Secret ${tlsName}`,
    async () => {
      const stored = (await core.readNamespacedSecret({ namespace, name: caName })).data ?? {};
      const ca: Pem = { cert: decode(stored['ca.crt']), key: decode(stored['ca.key']) };
      const server = newServerCertificate(ca, [...serviceDnsNames(rwServiceName(name), namespace), ...serviceDnsNames(roServiceName(name), namespace)]);
      return core.createNamespacedSecret({
        namespace,
        body: { metadata: { name: tlsName, ...owned }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': ca.cert } },
      });
    },
    () => core.readNamespacedSecret({ namespace, name: tlsName }),
    (options) => core.deleteNamespacedSecret({ namespace, name: tlsName, ...options }),
  );
}

async function secretValue(ctx: Ctx, key: string): Promise<string> {
  const secret = await ctx.services.kube.core.readNamespacedSecret({ namespace: ctx.resource.namespace, name: engineSecretName(ctx.resource.name) });
  const encoded = secret.data?.[key];
  if (!encoded) throw new Error(`Secret ${engineSecretName(ctx.resource.name)} has no ${key}`);
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/** The HA manager's API credentials, for the steps that ask it to pause, switch or restart. */
export async function patroniCredentials(ctx: Ctx): Promise<PatroniCredentials> {
  return { username: 'patroni', password: await secretValue(ctx, credentialKeys.api) };
}

/** The superuser's password, for the steps that ask an engine what it runs. */
export const superuserPassword = (ctx: Ctx) => secretValue(ctx, credentialKeys.superuser);
