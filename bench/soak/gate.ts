/**
 * The harness's own API writes pass through here, and an API-server restart closes it: a request is never lost in
 * flight by the harness itself, so every loss the soak reports is the system's.
 */
export class Gate {
  private closed: Promise<void> | undefined;
  private active = 0;
  private drained: (() => void) | undefined;

  async pass<T>(action: () => Promise<T>): Promise<T> {
    while (this.closed) await this.closed;
    this.active++;
    try {
      return await action();
    } finally {
      this.active--;
      if (this.active === 0) this.drained?.();
    }
  }

  /** Runs `action` once no write is in flight, holding new ones until it is done. */
  async exclusive(action: () => Promise<void>): Promise<void> {
    while (this.closed) await this.closed;
    let open: () => void = () => undefined;
    this.closed = new Promise((resolveOpen) => (open = resolveOpen));
    try {
      if (this.active > 0) await new Promise<void>((resolveDrained) => (this.drained = resolveDrained));
      await action();
    } finally {
      this.drained = undefined;
      this.closed = undefined;
      open();
    }
  }
}
