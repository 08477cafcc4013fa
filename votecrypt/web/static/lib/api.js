// A client of the board server's JSON API (spec/api/openapi.json). Only public data is sent:
// ballots, challenges, tracking codes and credential PUBLIC keys, never a credential code.

import { electionFromApi } from './election.js';

/** A refusal from the board: `reason` is the API's stable code (e.g. 'credential-used'). */
export class BoardError extends Error {
  constructor(status, reason, message) {
    super(message);
    this.name = 'BoardError';
    this.status = status;
    this.reason = reason;
  }
}

export class BoardClient {
  /** `base` is the server's origin ('' for the page's own origin). */
  constructor(base = '', { fetch: fetchFunction = globalThis.fetch.bind(globalThis) } = {}) {
    this.base = base.replace(/\/$/, '');
    this.fetch = fetchFunction;
  }

  async #request(method, path, body) {
    const init = { method, headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await this.fetch(`${this.base}${path}`, init);
    } catch (error) {
      throw new BoardError(0, 'unreachable', `the board server cannot be reached (${error.message})`);
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    if (!response.ok) {
      throw new BoardError(response.status, answer?.error ?? 'unknown', answer?.message ?? `HTTP ${response.status}`);
    }
    return answer;
  }

  /**
   * The election and the board's phase. The election is recomputed from the board's own setup
   * entries (the record up to `open`: ceremony messages, endorsements, spec 8.8, 9.4) and
   * compared with what /api/v1/election states (electionFromApi); either refusal throws.
   */
  async election() {
    const body = await this.#request('GET', '/api/v1/election');
    const entries = await this.setupEntries();
    return { election: electionFromApi(body, entries), phase: body.phase };
  }

  /** The log's entries up to and including `open`, read from the streamed record. */
  async setupEntries() {
    let response;
    try {
      response = await this.fetch(`${this.base}/api/v1/record`, { cache: 'no-store', credentials: 'omit' });
    } catch (error) {
      throw new BoardError(0, 'unreachable', `the board server cannot be reached (${error.message})`);
    }
    if (!response.ok) throw new BoardError(response.status, 'record', `the record cannot be read (HTTP ${response.status})`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const entries = [];
    let pending = '';
    for (;;) {
      const { value, done } = await reader.read();
      pending += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      const lines = pending.split('\n');
      pending = done ? '' : lines.pop();
      for (const line of lines) {
        if (!line.trim()) continue;
        const entry = recordLine(line);
        entries.push({ kind: entry.kind, payload: entry.payload });
        if (entry.kind === 'open') {
          await reader.cancel();
          return entries;
        }
      }
      if (done) throw new BoardError(0, 'not-open', 'the board has not opened the vote yet');
    }
  }

  async status() {
    return this.#request('GET', '/api/v1/status');
  }

  /** {issued, used} for a credential's public key (hex). */
  async credential(publicKeyHex) {
    return this.#request('GET', `/api/v1/credentials/${encodeURIComponent(publicKeyHex)}`);
  }

  /** Cast a PreparedBallot; resolves to the receipt {kind, seq, entry_hash, tracking_code}. */
  async cast(prepared) {
    const receipt = await this.#request('POST', '/api/v1/ballots', prepared.cast());
    if (receipt.tracking_code !== prepared.trackingCode) {
      throw new BoardError(0, 'receipt-mismatch', 'the board acknowledged another tracking code');
    }
    return receipt;
  }

  /** Challenge a PreparedBallot: publishes its opening; resolves to the receipt. */
  async challenge(prepared) {
    const receipt = await this.#request('POST', '/api/v1/challenges', prepared.challenge());
    if (receipt.tracking_code !== prepared.trackingCode) {
      throw new BoardError(0, 'receipt-mismatch', 'the board acknowledged another tracking code');
    }
    return receipt;
  }

  /**
   * The log entry at `seq` ({seq, kind, payload, hash}), read as the first line of the record
   * streamed from there; the rest of the stream is not read.
   */
  async entry(seq) {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new BoardError(0, 'malformed', 'not a sequence number');
    let response;
    try {
      response = await this.fetch(`${this.base}/api/v1/record?start=${seq}`, { cache: 'no-store', credentials: 'omit' });
    } catch (error) {
      throw new BoardError(0, 'unreachable', `the board server cannot be reached (${error.message})`);
    }
    if (!response.ok) throw new BoardError(response.status, 'record', `the record cannot be read (HTTP ${response.status})`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let pending = '';
    for (;;) {
      const { value, done } = await reader.read();
      pending += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      const end = pending.indexOf('\n');
      if (end !== -1 || done) {
        await reader.cancel();
        const line = end === -1 ? pending : pending.slice(0, end);
        const entry = line.trim() ? recordLine(line) : null;
        if (entry?.seq !== seq) throw new BoardError(0, 'record', `the board has no entry ${seq}`);
        return entry;
      }
    }
  }

  /**
   * The latest checkpoint of at least `size` entries cosigned by witnesses (text), or null;
   * with `witness` (a name), the latest that this witness cosigned.
   */
  async cosigned(size, witness) {
    const only = witness === undefined ? '' : `&witness=${encodeURIComponent(witness)}`;
    let response;
    try {
      response = await this.fetch(`${this.base}/api/v1/checkpoint/cosigned?size=${size}${only}`, { cache: 'no-store', credentials: 'omit' });
    } catch (error) {
      throw new BoardError(0, 'unreachable', `the board server cannot be reached (${error.message})`);
    }
    return response.ok ? response.text() : null;
  }

  /** The board's signed checkpoint (text; spec 11.7), or null when it serves none. */
  async checkpoint() {
    let response;
    try {
      response = await this.fetch(`${this.base}/api/v1/checkpoint`, { cache: 'no-store', credentials: 'omit' });
    } catch (error) {
      throw new BoardError(0, 'unreachable', `the board server cannot be reached (${error.message})`);
    }
    return response.ok ? response.text() : null;
  }

  /** The inclusion proof (hex hashes) of entry `seq` in the tree of `size` entries (spec 11.5). */
  async inclusion(seq, size) {
    return (await this.#request('GET', `/api/v1/proof/inclusion?seq=${seq}&size=${size}`)).proof;
  }

  /** The consistency proof (hex hashes) from `old` to `size` entries (spec 11.5). */
  async consistency(old, size) {
    if (old === size) return [];
    return (await this.#request('GET', `/api/v1/proof/consistency?old=${old}&size=${size}`)).proof;
  }

  /** {tracking_code, status: 'cast' | 'challenged', seq, entry_hash, choices?}. */
  async track(trackingCode) {
    return this.#request('GET', `/api/v1/tracking/${encodeURIComponent(trackingCode)}`);
  }
}

/**
 * One line of the record, read as the verifier reads it (spec 15.2): canonical JSON (keys
 * sorted, no space, each key once, integers only) with every text in NFC. JSON.parse alone
 * would read a line the verifier refuses, a repeated key as its last value: such a line is
 * refused instead, so the booth never encrypts under a setup the record does not hold.
 */
export function recordLine(line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    throw new BoardError(0, 'record', 'a line of the record is not JSON');
  }
  if (canonical(entry) !== line) throw new BoardError(0, 'record', 'a line of the record is not canonical JSON');
  return entry;
}

function canonical(value) {
  if (typeof value === 'string') {
    if (value.normalize('NFC') !== value) throw new BoardError(0, 'record', 'a text of the record is not in NFC');
    return JSON.stringify(value);
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value)) return '';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${canonical(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
