// What a booth checks of the key ceremony and the credential list before it encrypts
// (spec 8.2, 8.4, 8.8, 9.4): every ceremony message is the sender's (its envelope), the
// transcript hash over the messages is the one in the ceremony outcome (and so in the context
// hash and the fingerprint), the joint key and the verification keys are the ones the signed
// openings of the qualified dealers give, and at least t qualified trustees endorsed the
// credential list with the signing keys they announced in the ceremony.

import { ed25519 } from '../vendor/noble-curves/ed25519.js';
import { fromHex, toHex } from './bytes.js';
import { challenge, hash, Scalar, TAGS } from './encoding.js';
import { G, IDENTITY, multiply, pointFromHex, pointHex, scalarValueFromHex } from './group.js';

export const ROUNDS = ['announce', 'commit', 'open', 'check', 'answer', 'decide'];

export class SetupError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SetupError';
  }
}

function refuse(condition, message) {
  if (!condition) throw new SetupError(message);
}

const bytes = (text, length) => fromHex(text, length);
const scalar = (text) => new Scalar(scalarValueFromHex(text));

/** The transcript rows a check or answer saw (spec 8.2): [round, sender, digest] each. */
const seen = (rows) => rows.map((r) => [r.round, r.sender, bytes(r.digest, 32)]);

/** A message's fields as hashed (spec 8.2): bytes, points and scalars typed as such. */
function content(round, m) {
  const common = { election: bytes(m.election, 32), sender: m.sender };
  switch (round) {
    case 'announce':
      return { ...common, name: m.name, signing_key: bytes(m.signing_key, 32), exchange_key: bytes(m.exchange_key, 32) };
    case 'commit':
      return { ...common, commitment_hash: bytes(m.commitment_hash, 32) };
    case 'open':
      return {
        ...common,
        commitments: m.commitments.map((c) => pointFromHex(c)),
        proofs: m.proofs.map((p) => [scalar(p.c), scalar(p.z)]),
        shares: m.shares.map((s) => [s.recipient, bytes(s.ephemeral, 32), bytes(s.ciphertext)]),
      };
    case 'check':
      return { ...common, accepted: [...m.accepted], complaints: m.complaints.map((c) => [c.dealer, c.reason]), seen: seen(m.seen) };
    case 'answer':
      return { ...common, revealed: m.revealed.map((r) => [r.recipient, scalar(r.share)]), seen: seen(m.seen) };
    case 'decide':
      return { ...common, without: [...m.without] };
    default:
      throw new SetupError(`no ceremony round ${round}`);
  }
}

/** H(CEREMONY_MESSAGE, round, content): what the sender signed (spec 8.2). */
export function messageDigest(round, message) {
  return hash(TAGS.CEREMONY_MESSAGE, round, content(round, message));
}

/** Strict Ed25519 public key (spec 2.5): canonical, on the curve, not of small order. */
export function strictEd25519Key(key) {
  let point;
  try {
    point = ed25519.Point.fromBytes(key, false);
  } catch {
    return false;
  }
  return !point.isSmallOrder() && toHex(point.toBytes()) === toHex(key);
}

function verifies(signature, digest, key) {
  try {
    return ed25519.verify(signature, digest, key, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Check the ceremony messages (the payloads of the log's `ceremony` entries: {type, version,
 * message, signature}) against the outcome: every envelope, and the transcript hash.
 * Returns the announced signing keys by trustee index.
 */
export function checkCeremony(electionIdHex, outcome, signedMessages) {
  const byRound = new Map(ROUNDS.map((round) => [round, new Map()]));
  const evidence = new Map();
  for (const signed of signedMessages) {
    if (signed?.type === EVIDENCE_TYPE) {
      const [sender, pair] = evidencePair(signed, electionIdHex, outcome.trustees);
      refuse(!evidence.has(sender), `two evidence entries against trustee ${sender}`);
      evidence.set(sender, pair);
      continue;
    }
    const round = String(signed?.type).replace('votecrypt/ceremony/', '');
    refuse(byRound.has(round) && signed.version === 1, 'a ceremony message of an unknown kind');
    const message = signed.message;
    refuse(message?.election === electionIdHex, 'a ceremony message names another election');
    refuse(Number.isSafeInteger(message.sender) && message.sender >= 1 && message.sender <= outcome.trustees, 'a ceremony message names no trustee');
    refuse(!byRound.get(round).has(message.sender), 'a trustee sent two messages in one round');
    byRound.get(round).set(message.sender, signed);
  }
  const signingKeys = new Map();
  for (const [sender, signed] of byRound.get('announce')) {
    const key = fromHex(signed.message.signing_key, 32);
    refuse(strictEd25519Key(key), `trustee ${sender} announced an invalid signing key`);
    signingKeys.set(sender, key);
  }
  const left = boardWentOnWithout(byRound.get('decide'), signingKeys, outcome.threshold, outcome.trustees);
  // Evidence against a trustee the board went on without is not examined, like its messages.
  for (const sender of left) evidence.delete(sender);
  const evidenceRows = convictedRows(evidence, byRound.get('announce'), signingKeys);
  for (const [, sender] of evidenceRows) left.add(sender); // convicted (spec 8.8.1)
  const digests = [];
  for (const round of ROUNDS) {
    for (const sender of [...byRound.get(round).keys()].sort((a, b) => a - b)) {
      if (round !== 'decide' && left.has(sender)) continue; // not examined at all (spec 8.8)
      const signed = byRound.get(round).get(sender);
      refuse(signingKeys.has(sender), `a ${round} message from trustee ${sender}, who did not announce`);
      const digest = messageDigest(round, signed.message);
      refuse(
        verifies(fromHex(signed.signature, 64), digest, signingKeys.get(sender)),
        `the ${round} message of trustee ${sender} is not signed by its announced key`,
      );
      digests.push([round, sender, digest]);
    }
  }
  digests.push(...evidenceRows);
  const transcript = hash(TAGS.CEREMONY_TRANSCRIPT, fromHex(electionIdHex, 32), outcome.trustees, outcome.threshold, digests);
  refuse(toHex(transcript) === outcome.transcript_hash, 'the ceremony messages do not give the published transcript hash');
  checkOutcomeKeys(electionIdHex, outcome, byRound);
  return signingKeys;
}

const EVIDENCE_TYPE = 'votecrypt/ceremony/evidence';

/** How every late item is named (spec 8.8.2), after what it is. */
export const LATE = 'arrived after the outcome was endorsed';

/**
 * The names of the items that arrived after the outcome was endorsed (spec 8.8.2), each
 * checked against the endorsed transcript `signedMessages` (message files): a message must be
 * of a trustee of the ceremony and signed by its sender's announced key there (a late
 * announcement too), evidence must be valid (spec 8.8.1); a copy of a message the transcript
 * holds is not named. Refusals in the words of Python's late_items (the vectors give them).
 * Messages by round then sender, then evidence by the trustee it names. Late items never
 * enter the transcript hash: checkCeremony is given the endorsed transcript only.
 */
export function lateItems(electionIdHex, trustees, signedMessages, late) {
  const held = new Map(ROUNDS.map((round) => [round, new Map()]));
  for (const signed of signedMessages) {
    held.get(String(signed?.type).replace('votecrypt/ceremony/', ''))?.set(signed.message.sender, signed);
  }
  const announced = held.get('announce');
  const lateByRound = new Map(ROUNDS.map((round) => [round, new Map()]));
  const evidence = new Map();
  for (const item of late) {
    if (item?.type === EVIDENCE_TYPE) {
      const [sender, pair] = evidencePair(item, electionIdHex, trustees);
      refuse(!evidence.has(sender), `two late evidence files against trustee ${sender}`);
      evidence.set(sender, pair);
      continue;
    }
    const round = String(item?.type).replace('votecrypt/ceremony/', '');
    refuse(lateByRound.has(round) && item.version === 1, 'a late ceremony message of an unknown kind');
    const message = item.message;
    refuse(message?.election === electionIdHex, 'a late ceremony message names another election');
    refuse(Number.isSafeInteger(message.sender), 'a late ceremony message names no trustee');
    refuse(!lateByRound.get(round).has(message.sender), 'two late messages of one round and sender');
    lateByRound.get(round).set(message.sender, item);
  }
  const announcedKey = (sender, what) => {
    const announcement = announced.get(sender);
    refuse(announcement, `${what} of trustee ${sender}, who did not announce`);
    const key = fromHex(announcement.message.signing_key, 32);
    refuse(strictEd25519Key(key), `trustee ${sender} announced an invalid signing key`);
    refuse(
      verifies(fromHex(announcement.signature, 64), messageDigest('announce', announcement.message), key),
      `the announce message of trustee ${sender} is not signed by its announced key`,
    );
    return key;
  };
  const names = [];
  for (const round of ROUNDS) {
    for (const sender of [...lateByRound.get(round).keys()].sort((a, b) => a - b)) {
      const signed = lateByRound.get(round).get(sender);
      refuse(sender >= 1 && sender <= trustees, `a late ${round} message of trustee ${sender}: the ceremony has trustees 1 to ${trustees}`);
      // A late announcement too: anyone can sign one under a key it announces.
      const key = announcedKey(sender, `a late ${round} message`);
      const digest = messageDigest(round, signed.message);
      refuse(verifies(fromHex(signed.signature, 64), digest, key), `the late ${round} message of trustee ${sender} is not signed by its announced key`);
      const copy = held.get(round).get(sender);
      if (copy && toHex(messageDigest(round, copy.message)) === toHex(digest) && copy.signature === signed.signature) continue;
      names.push(`trustee ${sender}'s ${round} message ${LATE}`);
    }
  }
  for (const sender of [...evidence.keys()].sort((a, b) => a - b)) {
    const key = announcedKey(sender, 'late evidence');
    const pair = evidence.get(sender);
    for (const [digest, signed, round] of pair) {
      refuse(verifies(fromHex(signed.signature, 64), digest, key), `the late evidence against trustee ${sender} holds a ${round} message it did not sign`);
    }
    refuse(conflicts(pair[0][2], pair[0][1].message, pair[1][1].message), `the late evidence against trustee ${sender} holds messages that do not conflict`);
    names.push(`evidence that trustee ${sender} signed two different ${pair[0][2]} messages ${LATE}`);
  }
  return names;
}

/**
 * An evidence entry's two messages (spec 8.8.1), decoded: one round other than `announce`,
 * one sender, this election, the smaller digest first. Returns [sender, [[digest, signed], ...]].
 */
function evidencePair(entry, electionIdHex, trustees) {
  const messages = entry.messages;
  refuse(entry.version === 1 && Object.keys(entry).length === 3 && Array.isArray(messages) && messages.length === 2, 'an evidence entry is not two messages');
  const pair = messages.map((signed) => {
    refuse(signed?.version === 1 && typeof signed.type === 'string', 'an evidence message is not a ceremony message');
    const round = signed.type.replace('votecrypt/ceremony/', '');
    refuse(ROUNDS.includes(round) && round !== 'announce', 'evidence is two messages of a round other than announce');
    refuse(signed.message?.election === electionIdHex, 'an evidence message names another election');
    return [messageDigest(round, signed.message), signed, round];
  });
  const [[first, a, round], [second, b, other]] = pair;
  const sender = a.message.sender;
  refuse(Number.isSafeInteger(sender) && sender >= 1 && sender <= trustees, 'evidence names no trustee');
  refuse(round === other && b.message.sender === sender, 'evidence is two messages of one round and one sender');
  refuse(toHex(first) < toHex(second), 'evidence holds two different messages, the smaller digest first');
  return [sender, pair];
}

/** Whether every item of `a` is in `b` (the rounds that grow, spec 8.9). */
function holdsAll(a, b) {
  const items = new Set(b);
  return a.every((item) => items.has(item));
}

/** Whether two messages of one round and sender conflict (spec 8.8.1). */
function conflicts(round, a, b) {
  const items = {
    answer: (m) => m.revealed.map((r) => `${r.recipient}:${r.share}`),
    decide: (m) => m.without.map(String),
  }[round];
  if (!items) return true; // the digests differ
  const [x, y] = [items(a), items(b)];
  return !holdsAll(x, y) && !holdsAll(y, x);
}

/**
 * The digest rows of the valid evidence (spec 8.8.1, 8.8 step 9), by increasing sender: two
 * rows ['evidence', j, digest] each. Evidence is valid when j's announcement is signed by its
 * key, both messages are signed by that key and they conflict; anything else is refused.
 */
function convictedRows(evidence, announcements, signingKeys) {
  const rows = [];
  for (const sender of [...evidence.keys()].sort((a, b) => a - b)) {
    const announced = announcements.get(sender);
    refuse(announced && signingKeys.has(sender), `evidence against trustee ${sender}, who did not announce`);
    const key = signingKeys.get(sender);
    refuse(
      verifies(fromHex(announced.signature, 64), messageDigest('announce', announced.message), key),
      `the announce message of trustee ${sender} is not signed by its announced key`,
    );
    const pair = evidence.get(sender);
    for (const [digest, signed, round] of pair) {
      refuse(verifies(fromHex(signed.signature, 64), digest, key), `the evidence against trustee ${sender} holds a ${round} message it did not sign`);
    }
    refuse(conflicts(pair[0][2], pair[0][1].message, pair[1][1].message), `the evidence against trustee ${sender} holds messages that do not conflict`);
    rows.push(...pair.map(([digest]) => ['evidence', sender, digest]));
  }
  return rows;
}

/**
 * The trustees the board went on without (spec 8.8): those named by the decisions of at least
 * t trustees. Every decision must be signed by its sender's announced key.
 */
function boardWentOnWithout(decisions, signingKeys, threshold, trustees) {
  const votes = new Map();
  for (const [sender, signed] of decisions) {
    refuse(signingKeys.has(sender), `a decide message from trustee ${sender}, who did not announce`);
    const without = signed.message.without;
    refuse(
      Array.isArray(without) && without.every((i, n) => Number.isSafeInteger(i) && i >= 1 && (n === 0 || without[n - 1] < i)),
      `the decision of trustee ${sender} is not a list of trustees in increasing order`,
    );
    refuse(
      verifies(fromHex(signed.signature, 64), messageDigest('decide', signed.message), signingKeys.get(sender)),
      `the decide message of trustee ${sender} is not signed by its announced key`,
    );
    for (const index of without) {
      if (index <= trustees) votes.set(index, (votes.get(index) ?? 0) + 1);
    }
  }
  return new Set([...votes].filter(([, count]) => count >= threshold).map(([index]) => index));
}

/** Whether a Schnorr proof (spec 5.1) of the discrete logarithm of `Y` verifies. */
function schnorrVerifies(Y, proof, context) {
  try {
    const c = scalarValueFromHex(proof.c);
    const A = multiply(G, scalarValueFromHex(proof.z)).subtract(multiply(Y, c));
    return challenge(TAGS.CEREMONY_COEFFICIENT_PROOF, context, Y, A).value === c;
  } catch {
    return false; // A' is the identity, or a field does not decode
  }
}

/**
 * The keys of the outcome re-derived from the signed messages (spec 8.4, 8.8 steps 7-8), so that
 * a board operator cannot make the booth encrypt under a key of its own (spec 17.1): for every
 * dealer of the published qualified set, its opening has t commitments matching its published
 * commitment hash, none the identity, each with a valid proof of knowledge; then K = A_0 and
 * K_j = sum_k j^k A_k for every published verification key, every qualified dealer holding one.
 * Which dealers qualify (complaints and answers, 8.6-8.7) is taken from the outcome: a dealer
 * the outcome wrongly counts in or out can cost availability, never privacy, since every
 * counted dealer proved knowledge of its coefficients under its own signature.
 */
function checkOutcomeKeys(electionIdHex, outcome, byRound) {
  const id = fromHex(electionIdHex, 32);
  const t = outcome.threshold;
  const qualified = outcome.qualified;
  refuse(
    Array.isArray(qualified) && qualified.length >= t &&
      qualified.every((i, n) => Number.isSafeInteger(i) && i >= 1 && i <= outcome.trustees && (n === 0 || qualified[n - 1] < i)),
    'the qualified trustees are not at least t distinct trustees in order',
  );
  const sums = Array.from({ length: t }, () => IDENTITY);
  for (const i of qualified) {
    const commit = byRound.get('commit').get(i)?.message;
    const opening = byRound.get('open').get(i)?.message;
    refuse(commit && opening, `qualified trustee ${i} has no commitment hash or no opening`);
    refuse(Array.isArray(opening.commitments) && opening.commitments.length === t, `qualified trustee ${i} opened a wrong number of commitments`);
    const commitments = opening.commitments.map((c) => pointFromHex(c));
    refuse(
      toHex(hash(TAGS.CEREMONY_COMMITMENT, id, i, commitments)) === commit.commitment_hash,
      `qualified trustee ${i}'s commitments do not match its commitment hash`,
    );
    refuse(Array.isArray(opening.proofs) && opening.proofs.length === t, `qualified trustee ${i} sent a wrong number of proofs`);
    commitments.forEach((C, k) => {
      refuse(schnorrVerifies(C, opening.proofs[k], [id, i, k]), `qualified trustee ${i}'s proof for coefficient ${k} is invalid`);
      sums[k] = sums[k].add(C);
    });
  }
  refuse(pointHex(sums[0]) === outcome.joint_key, 'the joint key is not the one the qualified openings give');
  const holders = new Set();
  for (const { trustee, key } of outcome.verification_keys) {
    refuse(Number.isSafeInteger(trustee) && trustee >= 1 && trustee <= outcome.trustees, 'a verification key names no trustee');
    const j = BigInt(trustee);
    let expected = IDENTITY;
    let power = 1n;
    for (const A of sums) {
      expected = expected.add(multiply(A, power));
      power *= j;
    }
    refuse(pointHex(expected) === key, `the verification key of trustee ${trustee} is not the one the qualified openings give`);
    holders.add(trustee);
  }
  refuse(qualified.every((i) => holders.has(i)), 'a qualified trustee has no verification key');
}

/**
 * The trustees whose endorsement of the credential list verifies (spec 9.4); throws unless at
 * least `threshold` distinct qualified trustees endorsed it.
 */
export function checkEndorsements({ electionId, transcriptHash, listHash, endorsements, signingKeys, qualified, threshold }) {
  const digest = hash(TAGS.CREDENTIAL_ENDORSEMENT, electionId, transcriptHash, listHash);
  const valid = new Set();
  for (const endorsement of endorsements ?? []) {
    const trustee = endorsement?.trustee;
    if (!qualified.has(trustee) || !signingKeys.has(trustee)) continue;
    let signature;
    try {
      signature = fromHex(endorsement.signature, 64);
    } catch {
      continue;
    }
    if (verifies(signature, digest, signingKeys.get(trustee))) valid.add(trustee);
  }
  refuse(valid.size >= threshold, `the credential list is endorsed by ${valid.size} qualified trustees, fewer than ${threshold}`);
  return [...valid].sort((a, b) => a - b);
}
