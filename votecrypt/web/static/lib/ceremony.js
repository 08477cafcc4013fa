// What a booth checks of the key ceremony and the credential list before it encrypts
// (spec 8.2, 8.8, 9.4): every ceremony message is the sender's (its envelope), the transcript
// hash over the messages is the one in the ceremony outcome (and so in the context hash and
// the fingerprint), and at least t qualified trustees endorsed the credential list with the
// signing keys they announced in the ceremony.

import { ed25519 } from '../vendor/noble-curves/ed25519.js';
import { fromHex, toHex } from './bytes.js';
import { hash, Scalar, TAGS } from './encoding.js';
import { pointFromHex, scalarValueFromHex } from './group.js';

export const ROUNDS = ['announce', 'commit', 'open', 'check', 'answer'];

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
      return { ...common, accepted: [...m.accepted], complaints: m.complaints.map((c) => [c.dealer, c.reason]) };
    case 'answer':
      return { ...common, revealed: m.revealed.map((r) => [r.recipient, scalar(r.share)]) };
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
  for (const signed of signedMessages) {
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
  const digests = [];
  for (const round of ROUNDS) {
    for (const sender of [...byRound.get(round).keys()].sort((a, b) => a - b)) {
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
  const transcript = hash(TAGS.CEREMONY_TRANSCRIPT, fromHex(electionIdHex, 32), outcome.trustees, outcome.threshold, digests);
  refuse(toHex(transcript) === outcome.transcript_hash, 'the ceremony messages do not give the published transcript hash');
  return signingKeys;
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
