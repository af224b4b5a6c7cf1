// A loopback Hub in its own process (so serving does not compete with the client's event loop), holding one
// repo `bench/big` with `onnx/model.onnx` of the size asked for. Prints {"url": …} and serves until killed.
// A second argument caps each connection at that many MiB/s, as the Hub's CDN caps one connection.
import { randomFillSync } from 'node:crypto';
import { startHubServer } from '../../test/support/hub-server/hub-server';

const mb = Number(process.argv[2] ?? 1024);
const capMiBs = Number(process.argv[3] ?? 0);
const content = randomFillSync(Buffer.allocUnsafe(mb * 1024 * 1024));
const server = await startHubServer({
  repos: [
    {
      id: 'bench/big',
      files: [
        { path: 'config.json', content: '{"model_type":"bert"}' },
        { path: 'onnx/model.onnx', content, lfs: true },
      ],
    },
  ],
});
if (capMiBs > 0) {
  // The chunk a connection gets every 10 ms at that rate.
  server.setFault('bench/big', 'onnx/model.onnx', { kind: 'trickle', chunkBytes: Math.max(1, Math.round((capMiBs * 1024 * 1024) / 100)), delayMs: 10 });
}
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
