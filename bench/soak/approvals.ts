/**
 * Approval gates in the soak: the flows it runs wait for approval before their RW switch, and the harness answers each
 * wait as a person would, now and then with a rejection. A gated run completes only after an approval; a rejected one
 * ends in Interrupt (REJECTED), recoverable.
 */
import type { Client } from '@temporalio/client';
import { approveUpdate, rejectUpdate } from '../../src/contract/holds';
import type { MPDCluster } from '../../src/kube/mpdcluster';
import type { Census } from './census';
import type { InvariantResult } from './invariants';
import type { Ledger } from './ledger';
import { flows } from './operations';

/** The step that waits for approval in every flow that switches the RW: its flow file, its flow name. */
const gates = [
  { file: 'rw_switch.yaml', flow: flows.switchRw, step: 'SwitchRw' },
  { file: 'modify_class.yaml', flow: flows.modifyClass, step: 'SwitchNewRoToRw' },
  { file: 'upgrade_minor_version.yaml', flow: flows.upgrade, step: 'SwitchNewRoToRw' },
];
/** Flow file → its gated step (what the soak's flows directory is given). */
export const soakGates: Record<string, string> = Object.fromEntries(gates.map((gate) => [gate.file, gate.step]));
const gateOfFlow: Record<string, string> = Object.fromEntries(gates.map((gate) => [gate.flow, gate.step]));

/** Of the gates a run meets for the first time, the second and every third after it are rejected; a recovered run is approved, so it can end. */
const rejects = (firstGatesAnswered: number) => firstGatesAnswered % 3 === 1;

/** Answers every step waiting for approval (once per run), and records the answer in the ledger. */
export async function answerApprovals(ledger: Ledger, byName: Map<string, MPDCluster>, temporal: Client): Promise<void> {
  for (const [name, cluster] of byName) {
    const workflowId = cluster.status?.workflow?.workflowId;
    if (cluster.status?.workflow?.phase !== 'AwaitingApproval' || !workflowId) continue;
    const handle = temporal.workflow.getHandle(workflowId);
    const runId = (await handle.describe().catch(() => undefined))?.runId;
    if (!runId || ledger.approved.has(`${workflowId}/${runId}`) || ledger.rejected.has(`${workflowId}/${runId}`)) continue;
    const firstTime = (cluster.status?.transition?.resumes ?? 0) === 0;
    const kind = firstTime && rejects(ledger.firstGatesAnswered) ? 'reject' : 'approve';
    try {
      await handle.executeUpdate(kind === 'approve' ? approveUpdate : rejectUpdate, { args: [`soak ${kind}s`] });
      if (firstTime) ledger.firstGatesAnswered++;
      ledger.record({ cluster: name, uid: cluster.metadata.uid, kind, detail: `${workflowId}/${runId}` });
    } catch {
      // Refused (the run no longer waits: cancelled, or closed) or not delivered (Temporal restarting): looked at again next time.
    }
  }
}

/**
 * No gated run that ran its gated step completed without the harness's approval, and none it rejected completed. A run
 * resumed past its gate (its transition's earlier run was approved and ran the gated step, then was cancelled) meets no
 * gate: `stepsOf` (the steps a run scheduled, from its history) tells it apart.
 */
export async function gatesHeld(ledger: Ledger, census: Census, stepsOf: (workflowId: string) => Promise<string[]>): Promise<InvariantResult> {
  const wrong: string[] = [];
  let completed = 0;
  let pastTheGate = 0;
  for (const run of census.runs.filter((r) => gateOfFlow[r.flow] && r.status === 'COMPLETED')) {
    completed++;
    const key = `${run.workflowId}/${run.runId}`;
    if (!ledger.approved.has(key)) {
      if ((await stepsOf(run.workflowId)).includes(gateOfFlow[run.flow]!)) wrong.push(`${run.cluster} ${run.flow} ${key}: completed without an approval`);
      else pastTheGate++;
    }
    if (ledger.rejected.has(key)) wrong.push(`${run.cluster} ${run.flow} ${key}: completed after its rejection`);
  }
  return {
    name: 'approval gates held (a gated run completed only when approved)',
    ok: wrong.length === 0,
    value: `${completed} gated runs completed (${pastTheGate} resumed past the gate); ${ledger.approved.size} approved, ${ledger.rejected.size} rejected`,
    detail: wrong,
  };
}
