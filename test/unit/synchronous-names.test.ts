/** The names in PostgreSQL's synchronous_standby_names, as Patroni writes it: what a removal waits to agree with. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { synchronousNames } from '../../activities/shared/synchronous-standbys';

test('synchronous_standby_names parsed into its member names', () => {
  assert.deepEqual(synchronousNames('3 ("pc-ins-1","pc-ins-3","pc-ins-5")'), ['pc-ins-1', 'pc-ins-3', 'pc-ins-5']);
  assert.deepEqual(synchronousNames('"pc-ins-2"'), ['pc-ins-2']);
  assert.deepEqual(synchronousNames('ANY 1 (a, b)'), ['a', 'b']);
  assert.deepEqual(synchronousNames(''), []);
});
