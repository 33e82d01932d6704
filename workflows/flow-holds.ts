import { condition, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { CompiledStep } from '../src/contract/flow-definition';
import { approveUpdate, pauseUpdate, rejectUpdate, resumeUpdate, type HoldAnswer, type HoldInfo, type HoldKind } from '../src/contract/holds';

/** Runs recorded before holds existed never reach a hold (no Update, no `approval` step): the id marks the new commands. */
export const holdsPatch = 'mpdflow-holds';

export type HoldOutcome = { kind: 'go' } | { kind: 'rejected'; reason: string } | { kind: 'cancelled' };

/**
 * Approval gates and pause, between steps. The Updates are validated (rejected when nothing waits) and recorded in
 * history; a hold issues one bookkeeping activity (the status write) and then waits on a condition, which costs no
 * commands, so a run that is never held has the command sequence it had before holds existed.
 */
export class FlowHolds {
  current: HoldInfo | undefined;
  private pauseReason: string | undefined;
  private approved = false;
  private rejected: string | undefined;
  private ended = false;

  constructor(
    private readonly isCancelled: () => boolean,
    /** Make the hold visible (status.workflow, an Event): called when a hold begins. */
    private readonly announce: (hold: HoldInfo) => Promise<void>,
  ) {
    const answer = (kind: HoldKind, step: string): HoldAnswer => ({ workflowId: workflowInfo().workflowId, step, kind });
    const awaitingApproval = (_reason: string) => {
      if (this.current?.kind !== 'approval') throw new Error('no step is waiting for approval');
    };
    setHandler(approveUpdate, () => {
      this.approved = true;
      return answer('approval', this.current!.step);
    }, { validator: awaitingApproval });
    setHandler(rejectUpdate, (reason: string) => {
      this.rejected = reason || 'rejected';
      return answer('approval', this.current!.step);
    }, { validator: awaitingApproval });
    setHandler(pauseUpdate, (reason: string) => {
      this.pauseReason = reason || 'paused';
      return answer('paused', this.current?.step ?? '');
    }, {
      validator: (_reason: string) => {
        if (this.ended) throw new Error('the flow has ended');
        if (this.pauseReason !== undefined) throw new Error('the flow is paused already');
      },
    });
    setHandler(resumeUpdate, (_reason: string) => {
      const step = this.current?.step ?? '';
      this.pauseReason = undefined;
      return answer('paused', step);
    }, {
      validator: (_reason: string) => {
        if (this.pauseReason === undefined) throw new Error('the flow is not paused');
      },
    });
  }

  /** Before a step: hold while paused, then (for a step that declares it) until approved or rejected. */
  async before(step: CompiledStep): Promise<HoldOutcome> {
    if (this.pauseReason !== undefined) {
      const outcome = await this.hold({ kind: 'paused', step: step.stepName, reason: this.pauseReason }, () => this.pauseReason === undefined);
      if (outcome.kind !== 'go') return outcome;
    }
    if (!step.approval) return { kind: 'go' };
    this.approved = false;
    this.rejected = undefined;
    const outcome = await this.hold(
      { kind: 'approval', step: step.stepName, reason: `step ${step.stepName} waits for approval` },
      () => this.approved || this.rejected !== undefined,
    );
    if (outcome.kind === 'go' && this.rejected !== undefined) return { kind: 'rejected', reason: this.rejected };
    // A pause asked for while waiting for approval still holds the run before the step.
    if (outcome.kind === 'go' && this.pauseReason !== undefined) return this.before({ ...step, approval: undefined });
    return outcome;
  }

  /** No more holds: the run has left its steps (pause is refused from now on). */
  end(): void {
    this.ended = true;
    this.current = undefined;
  }

  private async hold(hold: Omit<HoldInfo, 'since'>, released: () => boolean): Promise<HoldOutcome> {
    this.current = { ...hold, since: new Date(Date.now()).toISOString() };
    try {
      if (patched(holdsPatch)) await this.announce(this.current);
      await condition(() => released() || this.isCancelled());
      return this.isCancelled() ? { kind: 'cancelled' } : { kind: 'go' };
    } finally {
      this.current = undefined;
    }
  }
}
