/** Counters of a server's Prometheus text: what a run asked of it, by operation. */

/** Counts by "<kind> <operation>", from one snapshot; compare two to see what happened between them. */
export type RequestCounts = Map<string, number>;

/** Each sample line of a Prometheus text exposition: its metric name, labels and value. */
export function* prometheusSamples(text: string): Generator<{ name: string; labels: Record<string, string>; value: number }> {
  for (const line of text.split('\n')) {
    const brace = line.indexOf('{');
    if (line.startsWith('#') || brace <= 0) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    yield { name: line.slice(0, brace), labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) };
  }
}

/** Temporal's frontend requests ("frontend StartWorkflowExecution") and its database operations ("db UpdateWorkflowExecution"). */
export async function temporalRequestCounts(metricsUrl: string): Promise<RequestCounts> {
  const counts: RequestCounts = new Map();
  for (const { name, labels, value } of prometheusSamples(await (await fetch(metricsUrl)).text())) {
    const kind = name === 'service_requests' && labels.service_name === 'frontend' ? 'frontend' : name === 'persistence_requests' ? 'db' : undefined;
    if (!kind) continue;
    const key = `${kind} ${labels.operation}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}
