#!/usr/bin/env node
// `kubectl mpdflow …`: kubectl runs this file as its plugin `kubectl-mpdflow` (on PATH: `npm install -g`, or a link
// to it). The same CLI as bin/mpdflow.js, reading kubectl's own --kubeconfig, --context and -n (src/cli/kubectl-plugin.ts).
process.argv.splice(2, 0, '--as-kubectl-plugin');
await import('./mpdflow.js');
