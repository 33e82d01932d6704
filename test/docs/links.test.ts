import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { projectRoot } from '../../src/infra/paths';
import { anchorsOf, docPages, linksOf } from '../helpers/markdown';

test('every relative link in README.md and docs/ names a file that exists, and an anchor that file has', () => {
  const pages = docPages();
  const broken: string[] = [];
  let checked = 0;
  for (const page of pages) {
    for (const { target, number } of linksOf(page)) {
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto: — not ours to check offline
      checked++;
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const path = file ? normalize(join(dirname(page.path), file)) : page.path;
      if (!existsSync(join(projectRoot, path))) {
        broken.push(`${page.path}:${number}: ${target}: no such file`);
        continue;
      }
      if (anchor === undefined || !path.endsWith('.md')) continue;
      const anchors = anchorsOf({ path, lines: readFileSync(join(projectRoot, path), 'utf8').split('\n') });
      if (!anchors.has(anchor)) broken.push(`${page.path}:${number}: ${target}: ${path} has no heading #${anchor}`);
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(checked > 20, `only ${checked} relative links found: is the scan still reading the pages?`);
});

test('the README stays a page: at most 250 lines', () => {
  const readme = docPages().find((p) => p.path === 'README.md')!;
  assert.ok(readme.lines.length <= 250, `README.md has ${readme.lines.length} lines; move the rest into docs/`);
});
