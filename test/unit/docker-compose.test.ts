import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { configEnvKeys, defaultTaskQueue } from '../../src/config';
import { searchAttributeRegistrations } from '../../src/contract/search-attributes';
import { projectRoot } from '../../src/infra/paths';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
  read_only?: boolean;
}

const compose = parse(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = readFileSync(join(projectRoot, 'Dockerfile'), 'utf8');
const pinned = /^[a-z0-9/_-]+:\d+\.\d+(\.\d+)?$/;

test('docker-compose: Temporal runs on PostgreSQL (data on a volume), with the Web UI as its own service', () => {
  const { postgresql, temporal, 'temporal-ui': ui } = compose.services;
  assert.ok(postgresql && temporal && ui, 'postgresql, temporal and temporal-ui services');
  for (const [name, service] of Object.entries(compose.services)) if (service.image) assert.match(service.image, pinned, `${name}: a pinned image`);
  assert.match(postgresql.image!, /^postgres:/);
  assert.ok(postgresql.volumes?.some((v) => v.startsWith('temporal-postgresql:/var/lib/postgresql/data')), 'the database on a named volume');
  assert.ok('temporal-postgresql' in compose.volumes);
  assert.match(temporal.image!, /^temporalio\/auto-setup:/, 'the server image that sets up its schema');
  assert.equal(temporal.environment?.DB, 'postgres12');
  assert.equal(temporal.environment?.POSTGRES_SEEDS, 'postgresql');
  assert.equal(temporal.command, undefined, 'no dev server (start-dev) in the production-shaped file');
  assert.match(ui.image!, /^temporalio\/ui:/);
  assert.equal(ui.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  // The dynamic config the server gets is what the dev server gets (src/infra/temporal-dev-server.ts).
  const [source, target] = temporal.volumes?.find((v) => v.includes('dynamicconfig'))?.split(':') ?? [];
  assert.ok(source && target, 'a dynamic config file is mounted');
  assert.ok(target.endsWith(`/${temporal.environment?.DYNAMIC_CONFIG_FILE_PATH}`), 'where DYNAMIC_CONFIG_FILE_PATH points');
  const dynamic = parse(readFileSync(join(projectRoot, source), 'utf8')) as Record<string, Array<{ value: unknown }>>;
  assert.equal(dynamic['frontend.enableUpdateWorkflowExecution']?.[0]?.value, true);
});

test('docker-compose: secure by default: ports on 127.0.0.1 only, no database port, no default password', () => {
  const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, String(p)] as const));
  assert.ok(published.length >= 3, 'Temporal, its Web UI and the controller ops port are published');
  for (const [name, port] of published) assert.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${port} must be bound to 127.0.0.1`);
  assert.equal(compose.services.postgresql!.ports, undefined, 'the database is not published');
  // A password comes from the environment, required (`:?`), never a literal in the file.
  for (const key of ['POSTGRES_PASSWORD', 'POSTGRES_PWD']) {
    for (const [name, service] of Object.entries(compose.services)) {
      const value = service.environment?.[key];
      if (value !== undefined) assert.match(value, /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/, `${name}: ${key} is required from the environment`);
    }
  }
  for (const name of ['worker', 'controller']) assert.equal(compose.services[name]?.read_only, true, `${name}: read-only root filesystem`);
});

test('docker-compose: our namespace and search attributes are registered before the worker and controller start', () => {
  const { temporal, 'temporal-setup': setup } = compose.services;
  const namespace = temporal!.environment?.DEFAULT_NAMESPACE;
  assert.ok(namespace);
  const args = setup?.entrypoint ?? [];
  assert.deepEqual(args.slice(0, 4), ['temporal', 'operator', 'search-attribute', 'create']);
  assert.ok(args.includes(`--namespace=${namespace}`));
  const names = args.filter((a) => a.startsWith('--name=')).map((a) => a.slice('--name='.length));
  const types = args.filter((a) => a.startsWith('--type=')).map((a) => a.slice('--type='.length));
  assert.deepEqual(names.map((n, i) => `${n}=${types[i]}`), searchAttributeRegistrations.map((s) => `${s.name}=${s.type}`));
  for (const name of ['worker', 'controller']) {
    assert.equal(compose.services[name]?.environment?.TEMPORAL_NAMESPACE, namespace, `${name} uses the namespace Temporal creates`);
    assert.deepEqual(compose.services[name]?.depends_on, ['temporal-setup'], `${name} starts after the registration`);
  }
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
  const objects = parseAllDocuments(readFileSync(join(projectRoot, 'deploy', 'base', 'mpdflow.yaml'), 'utf8')).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null);
  const settings = objects.find((o) => o?.kind === 'ConfigMap' && o.metadata?.name === 'mpdflow-settings') as unknown as { data: Record<string, string> };
  for (const key of Object.keys(settings.data)) assert.ok((configEnvKeys as readonly string[]).includes(key), `settings.yaml: ${key} is not read by src/config.ts`);
});
