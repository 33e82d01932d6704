/** Durations in flow files: a number and a unit, e.g. "500ms", "10s", "1.5m", "2h". */
export const durationPattern = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';

const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export function durationMs(text: string): number {
  const match = new RegExp(durationPattern).exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = match[2]!;
  return Math.round(Number.parseFloat(text) * unitMs[unit]!);
}
