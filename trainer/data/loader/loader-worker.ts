/** Worker-thread entry: hosts one SampleProducer and answers batch requests. */
import { parentPort, workerData } from 'node:worker_threads';
import type { DatasetSpec, TransformSpec } from './batch-spec.js';
import { createSampleProducer } from './sample-producer.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('loader-worker must run in a worker thread');
const { dataset, transform } = workerData as { dataset: DatasetSpec; transform: TransformSpec };

const send = (reply: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

try {
  const producer = await createSampleProducer(dataset, transform);
  port.on('message', (message: WorkerRequest) => {
    producer.produce(message.request).then(
      (batch) => {
        const transfer = [batch.view1.buffer, batch.labels.buffer, ...(batch.view2 ? [batch.view2.buffer] : [])] as ArrayBuffer[];
        send({ type: 'batch', id: message.id, batch }, transfer);
      },
      (error: unknown) => send({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'fatal', message: error instanceof Error ? error.message : String(error) });
}
