/** The cluster's CA and the engines' server certificate: a chain a client verifies for the Services' names only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { newClusterCa, newServerCertificate, serviceDnsNames } from '../../activities/shared/engine-tls';

test("the server certificate is the cluster CA's, for the -rw and -ro names and no other", () => {
  const ca = newClusterCa('pc', 'ns1');
  const server = newServerCertificate(ca, [...serviceDnsNames('pc-rw', 'ns1'), ...serviceDnsNames('pc-ro', 'ns1')]);
  const caCert = new X509Certificate(ca.cert);
  const serverCert = new X509Certificate(server.cert);
  assert.ok(caCert.ca, 'the CA is a CA');
  assert.ok(!serverCert.ca, 'the server certificate is not');
  assert.ok(serverCert.verify(caCert.publicKey), 'signed by the cluster CA');
  assert.ok(serverCert.checkIssued(caCert));
  assert.ok(!serverCert.verify(new X509Certificate(newClusterCa('other', 'ns1').cert).publicKey), "not another cluster's CA");
  for (const name of ['pc-rw.ns1.svc', 'pc-rw.ns1.svc.cluster.local', 'pc-ro.ns1', 'pc-rw']) assert.equal(serverCert.checkHost(name), name);
  assert.equal(serverCert.checkHost('pc-rw.ns2.svc'), undefined, "not another namespace's name");
  assert.ok(new Date(serverCert.validTo).getTime() > Date.now() + 365 * 24 * 3600 * 1000);
});
