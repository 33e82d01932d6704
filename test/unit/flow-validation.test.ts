import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFlowDir } from '../../src/flows/flow-loader';
import { formatProblem } from '../../src/flows/problems';
import { projectRoot } from '../../src/infra/paths';

const corpus = join(projectRoot, 'test', 'fixtures', 'broken-flows');
const registered = new Set(['test.Noop', 'test.Other']);

// Each case directory holds broken flow files and expected.txt: the exact `file:line:col: message` lines.
for (const name of readdirSync(corpus).sort()) {
  test(`broken flows: ${name}`, () => {
    const dir = join(corpus, name);
    const { flows, problems } = loadFlowDir(dir, { isRegisteredStep: (c) => registered.has(c), displayRoot: dir });
    const expected = readFileSync(join(dir, 'expected.txt'), 'utf8').trimEnd().split('\n');
    assert.deepEqual(problems.map(formatProblem), expected);
    assert.ok(problems.length > 0);
    void flows;
  });
}

test('the corpus holds at least 20 broken cases', () => {
  assert.ok(readdirSync(corpus).length >= 20);
});
