/**
 * The test harness: one real Temporal dev server and one real kube-apiserver (with etcd) for the whole run,
 * then node's test runner over every test file; the servers stop at the end whatever happens.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { startLocalStack } from '../src/infra/local-stack';
import { projectRoot } from '../src/infra/paths';
import { say } from '../src/infra/log';

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'fixtures' ? [] : testFiles(path);
    return entry.endsWith('.test.ts') ? [path] : [];
  });
}

async function main(): Promise<number> {
  // Words pick test files by path; `--test-name-pattern=…` and other `--test-…` options go to node's test runner.
  const runnerOptions = process.argv.slice(2).filter((arg) => arg.startsWith('--test-'));
  const filter = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const files = testFiles(join(projectRoot, 'test'))
    .map((file) => relative(projectRoot, file))
    .filter((file) => filter.length === 0 || filter.some((f) => file.includes(f)))
    .sort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mpdflow-test-'));
  say(`test run data: ${dataDir}`);
  const started = Date.now();
  const stack = await startLocalStack({ dataDir, webUi: false });
  say(
    `servers up in ${Date.now() - started} ms (temporal ${stack.temporal.startupMs} ms, etcd ${stack.kube.startupMs.etcd} ms, ` +
      `kube-apiserver ${stack.kube.startupMs.apiserver} ms); running ${files.length} test files`,
  );
  const timeoutHooks = join(projectRoot, 'test', 'harness', 'register-test-timeout.mjs');
  // A test file's process ends when its tests have: a handle something left open (a native one of the Temporal SDK's,
  // say) must not hold the whole run until CI's deadline.
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', timeoutHooks, '--test', '--test-force-exit', '--test-reporter=spec', ...runnerOptions, ...files], {
    cwd: projectRoot,
    stdio: 'inherit',
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporal.address,
      TEMPORAL_NAMESPACE: stack.temporal.namespace,
      KUBECONFIG: stack.kube.kubeconfigPath,
      MPDFLOW_ETCD_URL: stack.kube.etcdUrl,
      MPDFLOW_TEST_DATA_DIR: dataDir,
      MPDFLOW_LOG_LEVEL: process.env.MPDFLOW_LOG_LEVEL ?? 'warn',
      // Every test and hook gets this timeout unless it sets its own (test/harness/node-test-with-timeout.ts).
      MPDFLOW_TEST_TIMEOUT_MS: process.env.MPDFLOW_TEST_TIMEOUT_MS ?? '180000',
    },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolveCode) => child.on('exit', (c, s) => resolveCode(c ?? (s ? 1 : 0))));
  await stack.stop();
  if (code === 0 && !process.env.MPDFLOW_KEEP_TEST_DATA) rmSync(dataDir, { recursive: true, force: true });
  return code;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`test harness failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
