import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { projectRoot } from '../../src/infra/paths';

const probe = `
import { readFileSync } from 'node:fs';
import { join } from 'path';
import { CoreV1Api } from '@kubernetes/client-node';
import { Client } from '@temporalio/client';
export const used = [readFileSync, join, CoreV1Api, Client, process.env];
`;

test('lint refuses Node built-ins, Kubernetes and clients inside workflows/', async () => {
  const eslint = new ESLint({ cwd: projectRoot });
  const [result] = await eslint.lintText(probe, { filePath: `${projectRoot}/workflows/__lint_probe__.ts` });
  const messages = (result?.messages ?? []).map((m) => `${m.line}:${m.ruleId}`);
  assert.deepEqual(messages, [
    '2:no-restricted-imports',
    '3:no-restricted-imports',
    '4:no-restricted-imports',
    '5:no-restricted-imports',
    '6:no-restricted-globals',
  ]);
});

test('the same imports are fine outside workflows/', async () => {
  const eslint = new ESLint({ cwd: projectRoot });
  const [result] = await eslint.lintText(probe, { filePath: `${projectRoot}/src/__lint_probe__.ts` });
  assert.deepEqual(result?.messages ?? [], []);
});
