import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../../src/infra/paths';
import { scratchRoot } from '../helpers/scratch';

/**
 * tools/run.sh in a scratch project: its own lockfile and node_modules, an `npm` on PATH that only records that it
 * ran, a build that does nothing. What is checked is whether run.sh decides to reinstall.
 */
function scratchProject(): { dir: string; install(pkg: string, version: string): void; runSh(): { npmRan: boolean; stderr: string } } {
  const dir = mkdtempSync(join(scratchRoot(), 'mpdflow-deps-fresh-'));
  mkdirSync(join(dir, 'tools'));
  mkdirSync(join(dir, 'bin'));
  for (const file of ['tools/run.sh', 'tools/deps-fresh.mjs']) copyFileSync(join(projectRoot, file), join(dir, file));
  writeFileSync(join(dir, 'tools/build.mjs'), '');
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'scratch' },
        'node_modules/left': { version: '1.2.3' },
        'node_modules/left/node_modules/nested': { version: '0.1.0' },
        'node_modules/other-platform-only': { version: '2.0.0', optional: true },
      },
    }),
  );
  const npm = join(dir, 'bin', 'npm');
  writeFileSync(npm, `#!/bin/sh\ntouch "${join(dir, 'npm-ran')}"\n`);
  chmodSync(npm, 0o755);
  return {
    dir,
    install(pkg, version) {
      const manifest = join(dir, pkg, 'package.json');
      mkdirSync(dirname(manifest), { recursive: true });
      writeFileSync(manifest, JSON.stringify({ name: pkg.split('/').at(-1), version }));
    },
    runSh() {
      rmSync(join(dir, 'npm-ran'), { force: true });
      const run = spawnSync('bash', ['tools/run.sh', 'no-such-command'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${join(dir, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin` },
      });
      assert.equal(run.status, 2, run.stderr); // the unknown command: run.sh got past the install decision
      return { npmRan: existsSync(join(dir, 'npm-ran')), stderr: run.stderr };
    },
  };
}

test('tools/run.sh: node_modules installed by anyone (a plain npm ci) at the pinned versions is not installed again', () => {
  const project = scratchProject();
  try {
    project.install('node_modules/left', '1.2.3');
    project.install('node_modules/left/node_modules/nested', '0.1.0');
    // No stamp file of ours anywhere: only what is installed counts. The optional package is absent, as on another platform.
    assert.equal(project.runSh().npmRan, false);
  } finally {
    rmSync(project.dir, { recursive: true, force: true });
  }
});

test('tools/run.sh: a package missing or at another version than the lockfile pins runs npm ci, and says which', () => {
  const project = scratchProject();
  try {
    project.install('node_modules/left', '1.2.3');
    let run = project.runSh();
    assert.equal(run.npmRan, true);
    assert.match(run.stderr, /node_modules\/left\/node_modules\/nested is not installed/);
    project.install('node_modules/left/node_modules/nested', '0.0.9');
    run = project.runSh();
    assert.equal(run.npmRan, true);
    assert.match(run.stderr, /nested is 0\.0\.9, the lockfile pins 0\.1\.0/);
  } finally {
    rmSync(project.dir, { recursive: true, force: true });
  }
});

test("tools/deps-fresh.mjs: this project's node_modules after npm ci is fresh", () => {
  const check = spawnSync(process.execPath, ['tools/deps-fresh.mjs', '.'], { cwd: projectRoot, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.ok(JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')).packages);
});
