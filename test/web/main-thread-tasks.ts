// The page's main-thread tasks while something runs, from Chromium's own trace: each task's
// wall-clock time and the CPU time its thread really spent on it. On a busy machine a task's wall
// time includes the time the thread waited for a CPU; its CPU time is the page's own work.
import type { Page } from 'playwright-core';

export interface MainThreadTask {
  /** Milliseconds from start to end. */
  wall: number;
  /** Milliseconds the thread spent running it. */
  cpu: number;
}

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

/** Runs `during` while tracing, and returns every task the renderers' main threads ran. */
export async function mainThreadTasks(page: Page, during: () => Promise<void>): Promise<MainThreadTask[]> {
  const session = await page.context().newCDPSession(page);
  await session.send('Tracing.start', {
    categories: 'disabled-by-default-devtools.timeline,devtools.timeline',
    transferMode: 'ReturnAsStream',
  });
  let tasks: MainThreadTask[] = [];
  try {
    await during();
  } finally {
    const complete = new Promise<{ stream?: string }>((resolve) => {
      session.once('Tracing.tracingComplete', resolve);
    });
    await session.send('Tracing.end');
    const { stream } = await complete;
    let text = '';
    for (;;) {
      const chunk = await session.send('IO.read', { handle: stream! });
      text += chunk.data;
      if (chunk.eof) break;
    }
    await session.send('IO.close', { handle: stream! });
    await session.detach();
    const parsed = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
    const events = Array.isArray(parsed) ? parsed : parsed.traceEvents ?? [];
    const mainThreads = new Set(
      events
        .filter((event) => event.ph === 'M' && event.name === 'thread_name')
        .filter((event) => event.args?.name === 'CrRendererMain')
        .map((event) => `${event.pid}:${event.tid}`),
    );
    tasks = events
      .filter((event) => event.ph === 'X' && event.name === 'RunTask')
      .filter((event) => mainThreads.has(`${event.pid}:${event.tid}`))
      .map((event) => ({ wall: (event.dur ?? 0) / 1000, cpu: (event.tdur ?? 0) / 1000 }));
  }
  return tasks;
}
