import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMaintenanceWindow, windowAt } from '../../src/controller/maintenance-window';
import { admitDisruption } from '../../src/controller/disruption-gate';
import { maintenanceWindowAnnotation } from '../../src/kube/annotations';
import type { MPDCluster } from '../../src/kube/mpdcluster';

const at = (iso: string) => new Date(iso);

test('a window is open from each start for its duration, and says when it opens next', () => {
  const window = parseMaintenanceWindow('0 2 * * 6 for 2h'); // Saturdays 02:00–04:00 UTC
  assert.deepEqual(windowAt(window, at('2026-11-28T01:59:59Z')), { open: false, nextStart: at('2026-11-28T02:00:00Z') });
  assert.deepEqual(windowAt(window, at('2026-11-28T02:00:00Z')), { open: true });
  assert.deepEqual(windowAt(window, at('2026-11-28T03:59:59Z')), { open: true });
  assert.deepEqual(windowAt(window, at('2026-11-28T04:00:00Z')), { open: false, nextStart: at('2026-12-05T02:00:00Z') });
});

test('a window in a time zone opens at that zone\'s hour', () => {
  const window = parseMaintenanceWindow('TZ=Europe/Berlin 0 2 * * 6 for 2h');
  assert.deepEqual(windowAt(window, at('2026-11-28T00:30:00Z')), { open: false, nextStart: at('2026-11-28T01:00:00Z') });
});

test('a malformed window is refused with what to write', () => {
  for (const [text, says] of [
    ['0 2 * * 6', /expected "\[TZ=<IANA zone>\] <minute>/],
    ['0 2 * * for 2h', /five/],
    ['61 2 * * 6 for 1h', /minute/],
    ['0 2 * * 6 for 2x', /not a duration/],
    ['0 2 * * 6 for 10s', /between 1m and 168h/],
    ['TZ=Nowhere/City 0 2 * * 6 for 1h', /Nowhere\/City/],
  ] as const) {
    assert.throws(() => parseMaintenanceWindow(text), says, text);
  }
});

const cluster = (annotations: Record<string, string>, held?: MPDCluster['status']): MPDCluster =>
  ({ apiVersion: 'x', kind: 'MPDCluster', metadata: { namespace: 'ns', name: 'c', annotations }, spec: {}, status: held }) as MPDCluster;

test('a disruptive transition outside the window is held with the next start and a time to look again; inside it is admitted', () => {
  const c = cluster({ [maintenanceWindowAnnotation]: '30 3 * * * for 1h' });
  const outside = admitDisruption(c, 'RestartCluster', 'RestartCluster', 2, undefined, at('2026-11-26T02:00:00Z'));
  assert.equal(outside.admitted, false);
  if (outside.admitted) return;
  assert.equal(outside.held.reason, 'OutsideMaintenanceWindow');
  assert.equal(outside.held.nextWindowStart, '2026-11-26T03:30:00.000Z');
  assert.equal(outside.lookAgainMs, 3_600_000, 'a long wait is re-armed hourly from the cluster, not trusted for hours');
  assert.deepEqual(admitDisruption(c, 'RestartCluster', 'RestartCluster', 2, undefined, at('2026-11-26T03:45:00Z')), { admitted: true, reserved: false });
  // The queue position survives: the same transition held again keeps its first `since`.
  const again = admitDisruption(cluster(c.metadata.annotations!, { held: { ...outside.held, since: '2026-11-25T00:00:00.000Z' } }), 'RestartCluster', 'RestartCluster', 2, undefined, at('2026-11-26T02:10:00Z'));
  assert.equal(!again.admitted && again.held.since, '2026-11-25T00:00:00.000Z');
});
