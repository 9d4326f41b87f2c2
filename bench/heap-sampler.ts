/**
 * V8's sampling heap profiler, through the inspector protocol on this thread: an estimate of the
 * bytes allocated between start() and stop(), one allocation sampled every `sampleBytes` on
 * average, objects collected meanwhile included. Allocations made under a function named
 * `measuringFunction`, or by the inspector's own code, are the measuring's, and are summed apart.
 */
import { Session } from 'node:inspector';

interface SampleNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: SampleNode[];
}

export interface SampledBytes {
  /** Estimated bytes allocated, the measuring's left out. */
  bytes: number;
  /** Estimated bytes the measuring allocated. */
  measuringBytes: number;
}

export class HeapSampler {
  private readonly session = new Session();
  running = false;

  constructor(private readonly sampleBytes: number, private readonly measuringFunction: string) {}

  start(): void {
    this.session.connect();
    this.call('HeapProfiler.startSampling', {
      samplingInterval: this.sampleBytes, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
    });
    this.running = true;
  }

  stop(): SampledBytes {
    const { profile } = this.call('HeapProfiler.stopSampling', {}) as { profile: { head: SampleNode } };
    this.session.disconnect();
    this.running = false;
    const sums: SampledBytes = { bytes: 0, measuringBytes: 0 };
    const walk = (node: SampleNode, measuring: boolean): void => {
      const frame = node.callFrame;
      const inMeasuring = measuring || frame.functionName === this.measuringFunction || frame.url.startsWith('node:inspector');
      if (inMeasuring) sums.measuringBytes += node.selfSize;
      else sums.bytes += node.selfSize;
      for (const child of node.children) walk(child, inMeasuring);
    };
    walk(profile.head, false);
    return sums;
  }

  /** A protocol call; on this thread the inspector answers before post() returns. */
  private call(method: string, params: object): unknown {
    let answer: { error: Error | null; result: unknown } | undefined;
    this.session.post(method, params, (error, result) => {
      answer = { error, result };
    });
    if (answer === undefined) throw new Error(`the inspector did not answer ${method} at once`);
    if (answer.error) throw answer.error;
    return answer.result;
  }
}
