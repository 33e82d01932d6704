import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { configEnvKeys, defaultTaskQueue } from '../../src/config';
import { searchAttributeRegistrations } from '../../src/contract/search-attributes';
import { projectRoot } from '../../src/infra/paths';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');

test('docker-compose: Temporal keeps its data on a volume and registers our namespace and search attributes', () => {
  const temporal = compose.services.temporal!;
  assert.match(temporal.image ?? '', /^temporalio\/temporal:\d+\.\d+\.\d+$/, 'a pinned image');
  const args = temporal.command ?? [];
  assert.ok(args.includes('--db-filename=/data/temporal.sqlite'));
  assert.ok('temporal-data' in compose.volumes);
  const registered = args.filter((a) => a.startsWith('--search-attribute=')).map((a) => a.slice('--search-attribute='.length));
  assert.deepEqual(registered, searchAttributeRegistrations.map((s) => `${s.name}=${s.type}`));
  const namespace = args.find((a) => a.startsWith('--namespace='))?.split('=')[1];
  for (const name of ['worker', 'controller']) assert.equal(compose.services[name]?.environment?.TEMPORAL_NAMESPACE, namespace, `${name} uses the namespace Temporal creates`);
});

test('docker-compose: worker and controller build from the Dockerfile and set only variables the code reads', () => {
  for (const name of ['worker', 'controller']) {
    const service = compose.services[name]!;
    assert.deepEqual(service.build, { context: '.', dockerfile: 'Dockerfile' });
    assert.equal(service.command?.[0], name);
    for (const key of Object.keys(service.environment ?? {})) assert.ok((configEnvKeys as readonly string[]).includes(key), `${name}: ${key} is not read by src/config.ts`);
    assert.equal(service.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(service.environment?.TEMPORAL_TASK_QUEUE, defaultTaskQueue);
    assert.equal(service.environment?.KUBECONFIG, '/kube/config');
  }
});

test('Dockerfile: multi-stage, production dependencies only, compiled JavaScript, not root', () => {
  assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^RUN node tools\/build\.mjs$/m, 'the build stage compiles dist/');
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  for (const dir of ['src', 'workflows', 'activities', 'flows']) assert.match(final, new RegExp(`^COPY --from=build /app/dist/${dir} \\./dist/${dir}$`, 'm'));
  assert.match(final, /^COPY bin \.\/bin$/m);
  assert.doesNotMatch(final, /^COPY (src|workflows|activities) /m, 'no TypeScript sources in the image');
  assert.match(final, /^ENTRYPOINT \["node", "bin\/mpdflow\.js"\]$/m);
});

test('production runs compiled JavaScript: tsx is a development dependency, bin/mpdflow.js runs dist/', () => {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  assert.equal(pkg.dependencies.tsx, undefined, 'tsx is not a production dependency');
  assert.ok(pkg.devDependencies.tsx);
  const bin = readFileSync(join(projectRoot, 'bin', 'mpdflow.js'), 'utf8');
  assert.match(bin, /\.\/dist\//);
});

test('configEnvKeys lists exactly the environment variables the product code reads', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry: string) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });
  const read = new Set<string>();
  for (const dir of ['src', 'workflows', 'activities']) {
    for (const file of files(join(projectRoot, dir))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/env\.([A-Z][A-Z0-9_]+)/g)) read.add(match[1]!);
    }
  }
  assert.deepEqual([...read].sort(), [...configEnvKeys].sort());
});

test('deploy/base settings set only variables the code reads', () => {
  const settings = parse(readFileSync(join(projectRoot, 'deploy', 'base', 'settings.yaml'), 'utf8')) as { data: Record<string, string> };
  for (const key of Object.keys(settings.data)) assert.ok((configEnvKeys as readonly string[]).includes(key), `settings.yaml: ${key} is not read by src/config.ts`);
});
