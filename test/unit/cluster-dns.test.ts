import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterDnsFromResolvConf } from '../../src/infra/cluster-dns';

test("the host's first nameserver is the local node's cluster DNS", () => {
  assert.deepEqual(clusterDnsFromResolvConf('# generated\nsearch example.org\nnameserver 10.255.255.53\nnameserver 8.8.8.8\n'), ['10.255.255.53']);
  assert.deepEqual(clusterDnsFromResolvConf('nameserver fd00::53'), ['fd00::53']);
});

test('a loopback nameserver (the host resolver pods cannot reach) or none gives no cluster DNS', () => {
  assert.deepEqual(clusterDnsFromResolvConf('nameserver 127.0.0.53\nnameserver 10.0.0.1\n'), []);
  assert.deepEqual(clusterDnsFromResolvConf('nameserver ::1\n'), []);
  assert.deepEqual(clusterDnsFromResolvConf('search local\n'), []);
  assert.deepEqual(clusterDnsFromResolvConf('nameserver not-an-address\n'), []);
});
