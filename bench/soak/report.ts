/** The soak's table: operations by kind, faults by kind, duration, and each invariant with its result. */
import type { FaultRecord } from './faults';
import { faultKinds } from './faults';
import type { InvariantResult } from './invariants';
import type { Ledger } from './ledger';
import { operationKinds } from './operations';

export interface SoakReport {
  seed: number;
  clusters: number;
  durationMs: number;
  loadMs: number;
  ledger: Ledger;
  faults: FaultRecord[];
  selfExits: Record<string, number>;
  dualLeaderSamples: number;
  hungAfterPause: number;
  invariants: InvariantResult[];
}

const row = (cells: string[], widths: number[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [row(header, widths), row(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((r) => row(r, widths))].join('\n');
}

const minutes = (ms: number) => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;

/** Markdown tables (they paste into the README as they are), then the offenders of each failed invariant. */
export function formatReport(report: SoakReport): string {
  const ops = report.ledger.countsByKind();
  const outcomes = (kind: string) => {
    const done = report.ledger.requests.filter((r) => r.kind === kind);
    const noRun = done.filter((r) => r.outcome === 'no-run').length;
    const timeout = done.filter((r) => r.outcome === 'timeout').length;
    return [noRun ? `${noRun} ran nothing` : '', timeout ? `${timeout} timed out` : ''].filter(Boolean).join(', ');
  };
  const opRows = ['create', ...operationKinds].map((k) => [k, String(ops.get(k) ?? 0), outcomes(k)]);
  opRows.push(['total', String(report.ledger.requests.length), '']);
  const faultRows = faultKinds.map((k) => {
    const of = report.faults.filter((f) => f.kind === k);
    const failed = of.filter((f) => f.error).length;
    return [k, String(of.length - failed), failed ? `${failed} failed to inject` : ''];
  });
  faultRows.push(['(controller exits after a lost lease or crash)', String(report.selfExits.controller ?? 0), 'restarted by the harness']);
  faultRows.push(['(paused controllers that neither led nor exited)', String(report.hungAfterPause), 'killed and restarted by the harness']);
  faultRows.push(['(worker exits nobody asked for)', String(report.selfExits.worker ?? 0), 'restarted by the harness']);
  const invRows = report.invariants.map((i) => [i.name, i.value, i.ok ? 'ok' : 'FAILED']);
  const failures = report.invariants
    .filter((i) => !i.ok)
    .map((i) => [`${i.name}:`, ...i.detail.slice(0, 40).map((d) => `  ${d}`), ...(i.detail.length > 40 ? [`  ... ${i.detail.length - 40} more`] : [])].join('\n'));
  return [
    `soak seed ${report.seed}: ${report.clusters} clusters, ${minutes(report.durationMs)} in all (load and faults ${minutes(report.loadMs)}); ` +
      `two controllers seen leading at once in ${report.dualLeaderSamples} samples`,
    '',
    table(['operation', 'requested', 'notes'], opRows),
    '',
    table(['fault', 'injected', 'notes'], faultRows),
    '',
    table(['invariant', 'value', 'result'], invRows),
    ...(failures.length ? ['', ...failures] : []),
  ].join('\n');
}
