// A loopback Hub in its own process (so serving does not compete with the client's event loop), holding one
// repo `bench/big` with `onnx/model.onnx` of the size asked for. Prints {"url": …} and serves until killed.
import { randomFillSync } from 'node:crypto';
import { startHubServer } from '../../test/support/hub-server/hub-server';

const mb = Number(process.argv[2] ?? 1024);
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
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
