import { downloadFile, fileDownloadInfo, listFiles, modelInfo } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitBlobSha1, sha256 } from '../support/hub-server/hub-repo';
import { sentenceRepo } from '../support/hub-server/fixtures';
import { startHubServer, type HubServer } from '../support/hub-server/hub-server';

let hub: HubServer;
beforeAll(async () => {
  hub = await startHubServer({ repos: [sentenceRepo('acme/mini'), sentenceRepo('acme/gated', { gated: true })], token: 'hf_good', treePageSize: 5 });
});
afterAll(async () => {
  await hub.close();
});

/** The loopback Hub as @huggingface/hub itself reads it: the client library is the judge of the emulator. */
describe('loopback hub server', () => {
  it('answers model info with the commit sha and siblings', async () => {
    const info = await modelInfo({ name: 'acme/mini', hubUrl: hub.url, additionalFields: ['sha', 'filePaths'] });
    expect(info.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(info.filePaths).toContain('onnx/model.onnx');
    const pinned = await modelInfo({ name: 'acme/mini', hubUrl: hub.url, revision: info.sha, additionalFields: ['sha'] });
    expect(pinned.sha).toBe(info.sha);
  });

  it('lists files recursively across pages with sizes and oids', async () => {
    const files = [];
    for await (const f of listFiles({ repo: 'acme/mini', hubUrl: hub.url, recursive: true })) files.push(f);
    const onnx = files.find((f) => f.path === 'onnx/model.onnx');
    expect(onnx?.lfs?.size).toBe(3 * 1024 * 1024);
    const cfg = files.find((f) => f.path === 'config.json');
    const content = hub.repos.get('acme/mini')!.branches.get('main')!.files.get('config.json')!.content;
    expect(cfg?.oid).toBe(gitBlobSha1(content));
    expect(files.filter((f) => f.type === 'file')).toHaveLength(13);
    expect(hub.requests.filter((r) => r.url.includes('/tree/')).length).toBeGreaterThan(1);
  });

  it('resolves LFS files through a redirect with linked etag and size', async () => {
    const info = await fileDownloadInfo({ repo: 'acme/mini', path: 'onnx/model.onnx', hubUrl: hub.url });
    const content = hub.repos.get('acme/mini')!.branches.get('main')!.files.get('onnx/model.onnx')!.content;
    expect(info?.etag).toBe(`"${sha256(content)}"`);
    expect(info?.size).toBe(content.length);
    const blob = await downloadFile({ repo: 'acme/mini', path: 'onnx/model.onnx', hubUrl: hub.url });
    expect(sha256(Buffer.from(await blob!.arrayBuffer()))).toBe(sha256(content));
  });

  it('serves ranges and refuses ranges past the end', async () => {
    const url = `${hub.url}/acme/mini/resolve/main/config.json`;
    const part = await fetch(url, { headers: { Range: 'bytes=5-' } });
    expect(part.status).toBe(206);
    const total = hub.repos.get('acme/mini')!.branches.get('main')!.files.get('config.json')!.size;
    expect(part.headers.get('content-range')).toBe(`bytes 5-${total - 1}/${total}`);
    expect((await fetch(url, { headers: { Range: `bytes=${total}-` } })).status).toBe(416);
  });

  it('refuses a gated repo without the token and serves it with it', async () => {
    const url = `${hub.url}/acme/gated/resolve/main/config.json`;
    const denied = await fetch(url);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('x-error-code')).toBe('GatedRepo');
    expect((await fetch(url, { headers: { Authorization: 'Bearer hf_good' } })).status).toBe(200);
  });

  it('answers 404 for unknown repos, revisions and files', async () => {
    expect((await fetch(`${hub.url}/api/models/acme/nope`)).status).toBe(404);
    expect((await fetch(`${hub.url}/api/models/acme/mini/revision/nope`)).status).toBe(404);
    expect((await fetch(`${hub.url}/acme/mini/resolve/main/nope.txt`)).status).toBe(404);
  });
});
