/**
 * How busy the machine is right now, from the kernel's CPU counters: the load average lags by a
 * minute, and a benchmark wants to know about the next few seconds.
 */
import os from 'node:os';

/** Cores kept busy (by any process) over the next `milliseconds`, from 0 to the core count. */
export async function busyCores(milliseconds = 1000): Promise<number> {
  const before = os.cpus();
  await new Promise((resolve) => setTimeout(resolve, milliseconds));
  const after = os.cpus();
  let busy = 0;
  for (let i = 0; i < after.length; i++) {
    const total = sum(after[i].times) - sum(before[i].times);
    const idle = after[i].times.idle - before[i].times.idle;
    if (total > 0) busy += 1 - idle / total;
  }
  return busy;
}

/**
 * Waits until other processes keep fewer than `threshold` cores busy, checking every few
 * seconds, for at most `maxSeconds`. Returns the last reading.
 */
export async function waitForQuiet(maxSeconds: number, threshold: number): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const busy = await busyCores(2000);
    if (busy < threshold || Date.now() >= deadline) return busy;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

function sum(times: os.CpuInfo['times']): number {
  return times.user + times.nice + times.sys + times.idle + times.irq;
}
