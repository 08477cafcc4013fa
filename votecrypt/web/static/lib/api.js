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

  /** The election, recomputed and checked (electionFromApi), and the board's phase. */
  async election() {
    const body = await this.#request('GET', '/api/v1/election');
    return { election: electionFromApi(body), phase: body.phase };
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

  /** {tracking_code, status: 'cast' | 'challenged', seq, entry_hash, choices?}. */
  async track(trackingCode) {
    return this.#request('GET', `/api/v1/tracking/${encodeURIComponent(trackingCode)}`);
  }
}
