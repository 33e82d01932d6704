import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Command } from 'commander';
import { cliProgram } from '../../src/cli/main';
import { codeOf, docPages } from '../helpers/markdown';

/** An invocation of the CLI in code: `mpdflow …`, `node bin/mpdflow.js …`, `npx mpdflow …`, `kubectl mpdflow …`. */
const invocation = /(?:node bin\/mpdflow\.js|(?<![\w./=-])mpdflow)(?= )/g;
/** Where a shell line stops being the command's arguments. */
const enders = new Set(['#', '&&', '||', ';', '>', '2>&1', '\\']);

function subcommand(command: Command, name: string): Command | undefined {
  return command.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

function knowsFlag(command: Command, flag: string): boolean {
  if (flag === '--help' || flag === '-h') return true;
  return command.options.some((o) => o.long === flag || o.short === flag);
}

/** The problems of one invocation: an unknown command, or a flag its command does not define. */
/** kubectl's own flags, which `kubectl mpdflow` reads (src/cli/kubectl-plugin.ts). */
const kubectlFlags = new Set(['--kubeconfig', '--context', '-n', '--namespace', '-A', '--all-namespaces']);

export function checkInvocation(program: Command, args: string, asPlugin = false): string[] {
  // A command substitution is another program's arguments: `--workflow-id "$(kubectl get mpd … -o …)"`.
  const tokens = args.replace(/\$\([^)]*\)/g, 'X').trim().split(/\s+/).filter(Boolean);
  const words: string[] = [];
  for (const token of tokens) {
    if (enders.has(token) || (token === '|' && !words.some((w) => w.startsWith('(')))) break;
    words.push(token);
  }
  let command = program;
  let i = 0;
  // The command path: `flows validate`; `approve/reject/pause/resume` names several at once.
  while (i < words.length && command.commands.length > 0) {
    const word = words[i]!.replace(/[^\w/-]+$/, '');
    if (word.startsWith('-') || word === '') break;
    const names = word.split('/');
    const found = names.map((n) => subcommand(command, n));
    if (found.some((c) => !c)) return [`unknown command "${word}" (${command === program ? 'mpdflow' : command.name()} has ${command.commands.map((c) => c.name()).join(', ')})`];
    if (names.length > 1) return [];
    command = found[0]!;
    i++;
  }
  const problems: string[] = [];
  for (const word of words.slice(i)) {
    const flag = word.replace(/^[[(]+/, '').replace(/[\]),:.`'"]+$/, '').replace(/=.*$/, '');
    if (!/^--?[a-z]/i.test(flag)) continue;
    if (!knowsFlag(command, flag) && !(asPlugin && kubectlFlags.has(flag))) problems.push(`"${command.name()}" has no flag ${flag}`);
  }
  return problems;
}

test('every mpdflow command and flag the docs show exists (the CLI’s own definitions, what --help prints)', () => {
  const program = cliProgram({ operatorModule: 'unused' });
  const problems: string[] = [];
  let checked = 0;
  for (const page of docPages()) {
    for (const { text, number } of codeOf(page)) {
      for (const match of text.matchAll(invocation)) {
        // A command stands first, or after npx, kubectl or a shell separator: `--deployment-name mpdflow` and
        // `helm install mpdflow` name something else.
        const before = text.slice(0, match.index).trim().split(/\s+/).at(-1) ?? '';
        if (match[0] === 'mpdflow' && !['', 'npx', 'kubectl', '$', '&&', '||', ';', '|', '(', 'sudo'].includes(before)) continue;
        checked++;
        const asPlugin = /kubectl $/.test(text.slice(0, match.index));
        for (const problem of checkInvocation(program, text.slice(match.index + match[0].length), asPlugin)) problems.push(`${page.path}:${number}: ${problem}: ${text.trim()}`);
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 40, `only ${checked} invocations found: is the scan still reading the pages?`);
});

test('the check itself refuses what does not exist', () => {
  const program = cliProgram({ operatorModule: 'unused' });
  assert.deepEqual(checkInvocation(program, 'status --watch ns/name'), []);
  assert.deepEqual(checkInvocation(program, 'flows validate [dir] [--operator module.ts]'), []);
  assert.deepEqual(checkInvocation(program, 'recover ns/name --from-last'), ['"recover" has no flag --from-last']);
  assert.match(checkInvocation(program, 'restart ns/name')[0] ?? '', /unknown command "restart"/);
});
