/**
 * How busy the machine is right now, from the kernel's CPU counters: the load average lags by a
 * minute, and a benchmark wants to know about the next few seconds.
 */
import os from 'node:os';

/** Milliseconds all cores together spent busy and in total since boot. */
export function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/** Cores kept busy by all processes between two machineTimes() readings, 0 to the core count. */
export function coresBusyBetween(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * os.cpus().length : 0;
}

/** Cores kept busy (by any process) over the next `milliseconds`. */
export async function busyCores(milliseconds = 1000): Promise<number> {
  const before = machineTimes();
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  return coresBusyBetween(before, machineTimes());
}

/**
 * Waits until other processes keep fewer than `threshold` cores busy, checking every few
 * seconds, for at most `maxSeconds`. Returns the last reading.
 */
export function waitForQuiet(maxSeconds: number, threshold: number): Promise<number> {
  return waitFor(() => busyCores(2000), (busy) => busy < threshold, maxSeconds);
}

/**
 * Takes `read()` until `good` holds for its reading, 3 s apart, for at most `maxSeconds`.
 * Returns the last reading.
 */
export async function waitFor(
  read: () => Promise<number>, good: (reading: number) => boolean, maxSeconds: number,
): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const reading = await read();
    if (good(reading) || Date.now() >= deadline) return reading;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}
