/** Counters of a Temporal server we started (its Prometheus endpoint): what a run asked of it, by operation. */

/** Counts by "<kind> <operation>", from one snapshot; compare two to see what happened between them. */
export type RequestCounts = Map<string, number>;

/** Temporal's frontend requests ("frontend StartWorkflowExecution") and its database operations ("db UpdateWorkflowExecution"). */
export async function temporalRequestCounts(metricsUrl: string): Promise<RequestCounts> {
  const text = await (await fetch(metricsUrl)).text();
  const counts: RequestCounts = new Map();
  for (const line of text.split('\n')) {
    const kind = line.startsWith('service_requests{') ? 'frontend' : line.startsWith('persistence_requests{') ? 'db' : undefined;
    if (!kind) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (kind === 'frontend' && labels.service_name !== 'frontend') continue;
    const key = `${kind} ${labels.operation}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}
