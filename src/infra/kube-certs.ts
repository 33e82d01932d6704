import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KubeCerts {
  caCert: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/** Paths of the control plane's certificates under `dir`, generated with openssl on first use and reused after. */
export function ensureKubeCerts(dir: string): KubeCerts {
  mkdirSync(dir, { recursive: true });
  const path = (name: string) => join(dir, name);
  const certs: KubeCerts = {
    caCert: path('ca.crt'),
    adminCert: path('admin.crt'),
    adminKey: path('admin.key'),
    serviceAccountKey: path('sa.key'),
    serviceAccountPub: path('sa.pub'),
  };
  if (Object.values(certs).every((file) => existsSync(file))) return certs;

  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const caKey = path('ca.key');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', certs.caCert, '-days', '3650', '-subj', '/CN=mpdflow-local-ca');

  const issue = (key: string, cert: string, subject: string, extensions: string) => {
    const csr = `${cert}.csr`;
    const ext = `${cert}.ext`;
    writeFileSync(ext, extensions);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject);
    openssl('x509', '-req', '-in', csr, '-CA', certs.caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '3650', '-extfile', ext);
  };
  // system:masters is the built-in superuser group: the admin kubeconfig of a local control plane.
  issue(certs.adminKey, certs.adminCert, '/O=system:masters/CN=mpdflow-admin', 'extendedKeyUsage=clientAuth\n');
  openssl('genrsa', '-out', certs.serviceAccountKey, '2048');
  openssl('rsa', '-in', certs.serviceAccountKey, '-pubout', '-out', certs.serviceAccountPub);
  return certs;
}

/**
 * A certificate signed by the local CA of `dir` (made by ensureKubeCerts), issued once and reused:
 * the node's, the scheduler's and the controller manager's client identities, the kubelet's serving certificate.
 */
export function ensureSignedCert(dir: string, name: string, subject: string, extensions: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const csr = `${cert}.csr`;
  const ext = `${cert}.ext`;
  writeFileSync(ext, extensions);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${key}.tmp`, '-out', csr, '-subj', subject);
  openssl('x509', '-req', '-in', csr, '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-out', `${cert}.tmp`, '-days', '3650', '-extfile', ext);
  renameSync(`${key}.tmp`, key);
  renameSync(`${cert}.tmp`, cert);
  return { cert, key };
}

/**
 * The API server's serving certificate for these addresses (loopback for the host's clients, the advertised address
 * and the `kubernetes` Service's ClusterIP for pods), issued once per set of addresses.
 */
export function ensureApiserverServingCert(dir: string, ips: string[], clusterDomain: string): { cert: string; key: string } {
  const names = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${clusterDomain}`];
  const sans = [...ips.map((ip) => `IP:${ip}`), ...names.map((name) => `DNS:${name}`)].join(',');
  const id = createHash('sha256').update(sans).digest('hex').slice(0, 8);
  return ensureSignedCert(dir, `apiserver-${id}`, '/CN=kube-apiserver', `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
}
