/**
 * Server TLS for a cluster's engines: a CA of its own (kept in a Secret no pod mounts) and a server certificate for
 * its Services' names, signed by it (in the Secret the engines mount; clients verify against its ca.crt). Keys come
 * from node's crypto; node-forge builds and signs the certificates.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Pem {
  cert: string;
  key: string;
}

const yearMs = 365 * 24 * 3600 * 1000;

function newCertificate(subject: string, validMs: number): { cert: forge.pki.Certificate; key: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // Positive and unique: a leading 01 keeps the serial's high bit clear.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + validMs);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The cluster's own CA, valid ten years. */
export function newClusterCa(cluster: string, namespace: string): Pem {
  const { cert, key } = newCertificate(`mpdflow ${namespace}/${cluster} CA`, 10 * yearMs);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key };
}

/** A server certificate for `dnsNames`, signed by `ca`, valid two years. */
export function newServerCertificate(ca: Pem, dnsNames: string[]): Pem {
  const { cert, key } = newCertificate(dnsNames[0]!, 2 * yearMs);
  cert.setIssuer(forge.pki.certificateFromPem(ca.cert).subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: dnsNames.map((value) => ({ type: 2, value })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key };
}

/** Every name a client may reach a Service by, from the bare name to the cluster domain's. */
export const serviceDnsNames = (service: string, namespace: string) => [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
