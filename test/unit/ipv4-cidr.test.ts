import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressIn, cidrsOverlap, freeSubnet, routedSubnets } from '../../src/infra/ipv4-cidr';

test('addresses and overlaps of IPv4 subnets', () => {
  assert.equal(addressIn('10.96.3.0/24', 1), '10.96.3.1');
  assert.equal(addressIn('10.96.3.0/24', 10), '10.96.3.10');
  assert.equal(addressIn('10.199.0.4/30', 2), '10.199.0.6');
  assert.equal(cidrsOverlap('10.96.0.0/12', '10.100.7.0/24'), true);
  assert.equal(cidrsOverlap('10.100.7.0/24', '10.100.8.0/24'), false);
  assert.equal(cidrsOverlap('10.199.0.4/30', '10.199.0.6'), true, 'a host route is a /32');
  assert.throws(() => addressIn('10.300.0.0/24', 1), /not an IPv4/);
});

test('a free subnet is the seeded slot unless a route overlaps it, then the next free one, wrapping around', () => {
  assert.equal(freeSubnet('10.96.0.0/12', 24, 5, []), '10.96.5.0/24');
  assert.equal(freeSubnet('10.96.0.0/12', 24, 5, ['10.96.5.0/24', '10.96.6.128/25']), '10.96.7.0/24');
  assert.equal(freeSubnet('10.96.0.0/12', 24, 4095, []), '10.111.255.0/24');
  assert.equal(freeSubnet('10.96.0.0/12', 24, 4095, ['10.111.255.0/24']), '10.96.0.0/24', 'wraps to the pool start');
  assert.equal(freeSubnet('10.199.0.0/30', 30, 0, ['10.0.0.0/8']), undefined, 'nothing free');
});

test('the destinations of `ip route` lines', () => {
  const lines = ['default via 192.0.2.1 dev eth0', '192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2', '10.231.4.0/24 via 10.199.3.2 dev mpdh12345678', '10.1.2.3 dev tun0', ''];
  assert.deepEqual(routedSubnets(lines), ['192.0.2.0/24', '10.231.4.0/24', '10.1.2.3']);
});
