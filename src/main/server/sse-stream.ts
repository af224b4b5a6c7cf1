import type { ServerResponse } from 'node:http';
import type { EventName } from '../../shared/contract';
import type { EventBus } from '../core/events/event-bus';
import { CoalesceByKey } from '../core/events/coalesce-by-key';

const FINAL = new Set(['cancelled', 'failed', 'done', 'paused', 'interrupted']);

/**
 * Streams core events as Server-Sent Events. Job updates are coalesced per job to at most 10 a second;
 * a job's final state always goes out.
 */
export function openEventStream(res: ServerResponse, bus: EventBus, only?: Set<string>): () => void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n: connected\n\n');
  const send = (name: string, payload: unknown): void => {
    res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
  };
  const jobs = new CoalesceByKey<unknown>(100, (payload) => send('job.updated', payload));
  const off = bus.onAny((name: EventName, payload) => {
    if (only && !only.has(name)) return;
    if (name === 'job.updated') {
      const job = payload as { id: number; state: string };
      jobs.push(String(job.id), payload, FINAL.has(job.state));
    } else send(name, payload);
  });
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const close = (): void => {
    clearInterval(keepAlive);
    jobs.dispose();
    off();
  };
  res.on('close', close);
  return close;
}
