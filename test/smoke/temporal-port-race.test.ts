import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTemporalDevServer } from '../../src/infra/temporal-dev-server';
import { freePort } from '../../src/infra/free-port';
import { waitUntil } from '../../src/infra/wait';
import { scratchRoot } from '../helpers/scratch';

test('a Temporal dev server that loses a port to another process is started again', async () => {
  const port = await freePort();
  const squatter = createServer();
  const accepted = new Set<Socket>();
  squatter.on('connection', (socket) => (accepted.add(socket), socket.on('close', () => accepted.delete(socket))));
  await new Promise<void>((listening) => squatter.listen(port, '127.0.0.1', listening));
  const dataDir = mkdtempSync(join(scratchRoot(), 'mpdflow-port-race-'));
  const logFile = join(dataDir, 'temporal.log');
  const lostThePort = () => {
    try {
      return readFileSync(logFile, 'utf8').includes('address already in use');
    } catch {
      return false;
    }
  };
  // The port is freed only once the first start has failed on it, so the start must be tried again to succeed.
  const released = waitUntil(async () => lostThePort(), { timeoutMs: 120_000, describe: () => 'the first start never failed on the taken port' })
    .then(() => {
      squatter.close();
      for (const socket of accepted) socket.destroy();
    });
  const server = await startTemporalDevServer({ dataDir, namespace: 'mpdflow', webUi: false, port });
  try {
    await released;
    assert.equal(server.address, `127.0.0.1:${port}`);
    assert.ok(lostThePort());
  } finally {
    await server.stop();
  }
});
