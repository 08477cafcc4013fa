// The API client: the record is read as a stream up to `open` (lines split across chunks),
// refusals keep the board's reason code, receipts must carry the tracking code shown.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { BoardClient, BoardError } from '../../votecrypt/web/static/votecrypt.js';
import { ROOT } from './helpers.mjs';

const LOG = readFileSync(join(ROOT, 'spec/vectors/election/record/log.jsonl'));

function streamed(bytes, size) {
  let at = 0;
  let cancelled = false;
  const body = new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + size));
      at += size;
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body, { status: 200 }), wasCancelled: () => cancelled };
}

test('api: the setup entries are read from the streamed record, up to open', async () => {
  for (const size of [1, 7, 4096, LOG.length]) {
    const stream = streamed(new Uint8Array(LOG), size);
    const requests = [];
    const client = new BoardClient('http://board.test/', {
      fetch: async (url) => {
        requests.push(url);
        return stream.response;
      },
    });
    const entries = await client.setupEntries();
    assert.deepEqual(requests, ['http://board.test/api/v1/record']);
    assert.equal(entries.at(-1).kind, 'open');
    assert.deepEqual(entries.slice(0, 1).map((e) => e.kind), ['manifest']);
    assert.ok(entries.every((e) => e.kind !== 'ballot'));
    if (size < LOG.length) assert.ok(stream.wasCancelled(), 'the rest of the record is not read');
  }
});

test('api: a record without open is refused', async () => {
  const text = new TextDecoder().decode(LOG).split('\n').filter((line) => !line.includes('"kind":"open"')).slice(0, 5).join('\n');
  const client = new BoardClient('', { fetch: async () => new Response(text, { status: 200 }) });
  await assert.rejects(client.setupEntries(), (e) => e instanceof BoardError && e.reason === 'not-open');
});

test('api: refusals carry the reason code; an unreachable server is said so', async () => {
  const refusing = new BoardClient('', {
    fetch: async () => new Response(JSON.stringify({ error: 'voting-closed', message: 'closed' }), { status: 409 }),
  });
  await assert.rejects(refusing.status(), (e) => e instanceof BoardError && e.reason === 'voting-closed' && e.status === 409);
  const down = new BoardClient('', {
    fetch: async () => {
      throw new TypeError('fetch failed');
    },
  });
  await assert.rejects(down.status(), (e) => e instanceof BoardError && e.reason === 'unreachable');
});

test('api: a receipt for another tracking code is refused; only public data is sent', async () => {
  const sent = [];
  const prepared = {
    trackingCode: 'AAAA-BBBB-CCCC',
    cast: () => ({ type: 'votecrypt/ballot' }),
    challenge: () => ({ type: 'votecrypt/challenged-ballot' }),
  };
  const client = new BoardClient('', {
    fetch: async (url, init) => {
      sent.push([url, init.method, init.body, init.credentials]);
      return new Response(JSON.stringify({ kind: 'ballot', seq: 9, entry_hash: '00'.repeat(32), tracking_code: 'ZZZZ-BBBB-CCCC' }), { status: 201 });
    },
  });
  await assert.rejects(client.cast(prepared), (e) => e.reason === 'receipt-mismatch');
  assert.deepEqual(sent, [['/api/v1/ballots', 'POST', '{"type":"votecrypt/ballot"}', 'omit']]);
});

test('api: entry(seq) reads only the first line of the record from seq, and checks its place', async () => {
  const lines = new TextDecoder().decode(LOG).split('\n').filter(Boolean);
  const seq = 3;
  const rest = new TextEncoder().encode(lines.slice(seq).join('\n') + '\n');
  for (const size of [1, 13, rest.length]) {
    const stream = streamed(rest, size);
    const requests = [];
    const client = new BoardClient('http://board.test', {
      fetch: async (url) => {
        requests.push(url);
        return stream.response;
      },
    });
    const entry = await client.entry(seq);
    assert.deepEqual(entry, JSON.parse(lines[seq]));
    assert.deepEqual(requests, [`http://board.test/api/v1/record?start=${seq}`]);
    if (size < rest.length) assert.ok(stream.wasCancelled(), 'the rest of the record is not read');
  }
  // A board answering with another entry than the one asked for is refused.
  const wrong = new BoardClient('', { fetch: async () => streamed(rest, 64).response });
  await assert.rejects(() => wrong.entry(seq + 1), { name: 'BoardError', reason: 'record' });
  await assert.rejects(() => wrong.entry(-1), { reason: 'malformed' });
});

test('api: a record line that is not canonical JSON is refused, not read loosely', async () => {
  const lines = new TextDecoder().decode(LOG).split('\n').filter(Boolean);
  const first = lines[0];
  const read = (line) => new BoardClient('', { fetch: async () => new Response(`${line}\n${lines.slice(1).join('\n')}\n`, { status: 200 }) });
  assert.equal((await read(first).setupEntries())[0].kind, 'manifest');
  const variants = [
    first.replace('{"', '{ "'), // a space
    first.replace('"kind":"manifest"', '"kind":"ballot","kind":"manifest"'), // a key twice: JSON.parse keeps the last
    first.replace('"seq":0', '"seq":0.0'), // not an integer as written
    first.replace(/"title":"/, '"title":"e\u0301'), // a text not in NFC
  ];
  for (const line of variants) {
    assert.notEqual(line, first);
    await assert.rejects(read(line).setupEntries(), { name: 'BoardError', reason: 'record' }, line.slice(0, 80));
  }
});
