/**
 * How far this machine's clock runs ahead of Temporal's, bounded from above by the times Temporal stamped (a run's
 * close or start): each was no later than Temporal's now, so (our now − that time) ≥ the offset. The least bound of
 * the current period is used (the previous period's until one arrives), so a clock that jumps is relearnt.
 */
export class ClockOffset {
  private current: number | undefined;
  private previous: number | undefined;
  private periodStart: number;

  constructor(
    private readonly now: () => number,
    private readonly periodMs = 300_000,
  ) {
    this.periodStart = now();
  }

  observe(temporalTime: Date | undefined): void {
    if (!temporalTime) return;
    this.roll();
    const bound = this.now() - temporalTime.getTime();
    this.current = Math.min(this.current ?? bound, bound);
  }

  /** Our clock minus Temporal's, at most: undefined until Temporal has stamped a time we saw. */
  upperBound(): number | undefined {
    this.roll();
    return this.current ?? this.previous;
  }

  private roll(): void {
    if (this.now() - this.periodStart < this.periodMs) return;
    this.previous = this.current ?? this.previous;
    this.current = undefined;
    this.periodStart = this.now();
  }
}
