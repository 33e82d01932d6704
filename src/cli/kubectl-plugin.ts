/**
 * `kubectl mpdflow …`: the CLI installed as the kubectl plugin `kubectl-mpdflow`. kubectl hands a plugin its
 * arguments as typed, its own flags included, so the plugin reads kubectl's: `--kubeconfig`, `--context`,
 * `-n`/`--namespace` (a bare cluster name is in that namespace, else in the context's, else in `default`) and `-A`.
 */
import type { Command } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubectlFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

const flagNames: Record<string, 'kubeconfig' | 'context' | 'namespace'> = { '--kubeconfig': 'kubeconfig', '--context': 'context', '--namespace': 'namespace', '-n': 'namespace' };

/** kubectl's flags taken out of the arguments (anywhere, `--flag value`, `--flag=value` or `-nvalue`); the rest as given. */
export function takeKubectlFlags(args: string[]): { flags: KubectlFlags; rest: string[] } {
  const flags: KubectlFlags = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-A' || arg === '--all-namespaces') {
      flags.allNamespaces = true;
      continue;
    }
    const [name, inline] = arg.startsWith('--') ? (arg.split(/=(.*)/s, 2) as [string, string | undefined]) : [arg, undefined];
    const key = flagNames[name] ?? (/^-n.+/.test(arg) ? 'namespace' : undefined);
    if (!key) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? (/^-n.+/.test(arg) ? arg.slice(2) : args[++i]);
    if (value === undefined || value === '') throw new Error(`${name} needs a value`);
    flags[key] = value;
  }
  return { flags, rest };
}

/** The namespace kubectl would use: `-n`, else the context's own, else `default`. */
export function kubectlNamespace(flags: KubectlFlags, env: NodeJS.ProcessEnv): string {
  if (flags.namespace) return flags.namespace;
  try {
    const config = new KubeConfig();
    if (flags.kubeconfig || env.KUBECONFIG) config.loadFromFile((flags.kubeconfig ?? env.KUBECONFIG)!.split(':')[0]!);
    else config.loadFromDefault();
    if (flags.context) config.setCurrentContext(flags.context);
    return config.getContextObject(config.getCurrentContext())?.namespace || 'default';
  } catch {
    return 'default'; // the command itself reports an unreadable kubeconfig, in its words
  }
}

/**
 * The `mpdflow` arguments for a plugin invocation: a bare `name` where the command takes `namespace/name` becomes
 * `<namespace>/name`; `status` and `migrate` without a cluster list that namespace (`-A`: every namespace).
 */
export function pluginArgs(program: Command, rest: string[], flags: KubectlFlags, namespace: () => string): string[] {
  const command = program.commands.find((c) => c.name() === rest[0]);
  if (!command) return rest;
  const takesRef = command.registeredArguments.some((a) => a.name() === 'namespace/name');
  const takesValue = new Set(command.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter(Boolean)));
  let at = -1;
  for (let i = 1; i < rest.length && at < 0; i++) {
    if (!rest[i]!.startsWith('-')) at = i;
    else if (takesValue.has(rest[i]!)) i++; // the flag's value, not the cluster
  }
  if (takesRef && at > 0) {
    if (!rest[at]!.includes('/')) return [...rest.slice(0, at), `${namespace()}/${rest[at]}`, ...rest.slice(at + 1)];
    return rest;
  }
  // A list (status, migrate) is of one namespace, as `kubectl get` is: -n, else the context's; -A for all.
  if (!flags.allNamespaces && command.options.some((o) => o.long === '--namespace') && !rest.includes('--namespace')) return [...rest, '--namespace', namespace()];
  return rest;
}
