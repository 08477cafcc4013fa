// The election a booth votes in, recomputed from published data (spec 7.2-7.4, 9.3): the
// election id from the manifest, the credential list hash from the published keys, the
// context hash from both and the ceremony outcome, and the fingerprint from the context hash.
// Nothing the server states about them is taken on trust: a booth compares.

import { CROCKFORD, base32, fromHex, grouped, toHex } from './bytes.js';
import { checkCeremony, checkEndorsements, strictEd25519Key } from './ceremony.js';
import { hash, TAGS } from './encoding.js';
import { pointFromHex, withTable } from './group.js';
import { Packing } from './packing.js';

export const BLANK = 'blank';

/** The election fingerprint (spec 7.4): 80 bits of the context hash, Crockford base 32. */
export function electionFingerprint(contextHash) {
  return grouped(base32(contextHash.subarray(0, 10), CROCKFORD, 16), 4);
}

/** H(CREDENTIAL_LIST, election id, [public key bytes, sorted]) (spec 9.3). */
export function credentialListHash(electionId, publicKeysHex) {
  const keys = [...publicKeysHex].sort().map((key) => fromHex(key, 32));
  return hash(TAGS.CREDENTIAL_LIST, electionId, keys);
}

class ElectionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ElectionError';
  }
}

function require(condition, message) {
  if (!condition) throw new ElectionError(message);
}

/** Strict decoding (spec 15.2, 16.1): an object with exactly the fields of its item. */
function exactFields(value, fields, what) {
  require(
    value !== null && typeof value === 'object' && !Array.isArray(value)
      && Object.keys(value).sort().join() === [...fields].sort().join(),
    `${what} does not have exactly the fields of the specification`,
  );
}

const OUTCOME_FIELDS = [
  'type', 'version', 'election', 'trustees', 'threshold', 'qualified', 'disqualified',
  'joint_key', 'verification_keys', 'transcript_hash',
];
const CREDENTIALS_FIELDS = ['type', 'version', 'election', 'public_keys', 'endorsements'];

/**
 * The election from its published parts: `manifest` (spec 7.1), `ceremonyOutcome` (spec 8.8)
 * and `credentials` (the credential list entry, spec 9.3), as GET /api/v1/election returns
 * them. Throws ElectionError when they do not fit together.
 */
export function electionFromParts({ manifest, ceremonyOutcome, credentials }) {
  require(manifest?.type === 'votecrypt/manifest' && manifest.version === 1, 'not a votecrypt manifest');
  require(manifest.group === 'secp256k1', 'the manifest is for another group');
  const id = hash(TAGS.MANIFEST, manifest);
  const outcome = ceremonyOutcome;
  exactFields(outcome, OUTCOME_FIELDS, 'the ceremony outcome');
  require(outcome.type === 'votecrypt/ceremony/outcome' && outcome.version === 1, 'not a ceremony outcome');
  require(Array.isArray(outcome.verification_keys), 'the ceremony outcome has no verification keys');
  for (const entry of outcome.verification_keys) exactFields(entry, ['trustee', 'key'], 'a verification key');
  require(outcome.election === toHex(id), 'the key ceremony was held for another manifest');
  require(
    outcome.trustees === manifest.trustees.length && outcome.threshold === manifest.threshold,
    "the key ceremony's trustees or threshold differ from the manifest",
  );
  exactFields(credentials, CREDENTIALS_FIELDS, 'the credential list');
  require(credentials.type === 'votecrypt/credentials' && credentials.version === 1, 'not a credential list');
  require(credentials.election === toHex(id), 'the credential list is for another election');
  require(Array.isArray(credentials.endorsements), 'the credential list has no endorsements');
  credentials.endorsements.forEach((endorsement, i) => {
    exactFields(endorsement, ['trustee', 'signature'], 'an endorsement');
    require(
      i === 0 || credentials.endorsements[i - 1].trustee < endorsement.trustee,
      'the endorsements are not one per trustee in increasing order',
    );
  });
  const keys = credentials.public_keys;
  // Issued at the roll call: 1 to the manifest's `credentials` keys (spec 9.3).
  require(
    Array.isArray(keys) && keys.length >= 1 && keys.length <= manifest.credentials,
    'the credential list has the wrong length',
  );
  for (let i = 0; i < keys.length; i++) {
    require(strictEd25519Key(fromHex(keys[i], 32)), 'the credential list holds an invalid key');
    require(i === 0 || keys[i - 1] < keys[i], 'the credential list is not sorted and distinct');
  }
  const jointKey = pointFromHex(outcome.joint_key);
  const verificationKeys = outcome.verification_keys.map(({ trustee, key }) => [trustee, pointFromHex(key)]);
  for (let i = 1; i < verificationKeys.length; i++) {
    require(verificationKeys[i - 1][0] < verificationKeys[i][0], 'the trustees are not in order');
  }
  const listHash = credentialListHash(id, keys);
  const contextHash = hash(
    TAGS.ELECTION_CONTEXT,
    id,
    fromHex(outcome.transcript_hash, 32),
    jointKey,
    outcome.threshold,
    verificationKeys,
    listHash,
  );
  const options = manifest.rules.options.map((o) => ({ key: o.key, vi: o.vi, en: o.en }));
  const outcomes = manifest.blank_allowed ? [BLANK, ...options.map((o) => o.key)] : options.map((o) => o.key);
  return Object.freeze({
    manifest,
    id,
    idHex: toHex(id),
    credentialListHash: listHash,
    contextHash,
    contextHashHex: toHex(contextHash),
    fingerprint: electionFingerprint(contextHash),
    jointKey: withTable(jointKey),
    title: manifest.title,
    body: manifest.body,
    date: manifest.date,
    candidates: manifest.candidates.map((c) => ({ name: c.name, position: c.position })),
    options,
    blankAllowed: manifest.blank_allowed,
    outcomes,
    packing: new Packing(outcomes.length, manifest.credentials, manifest.candidates.length),
    credentials: new Set(keys),
  });
}

/**
 * The election from the board's setup entries (the log up to `open`, spec 11.1): recomputed
 * from the manifest, the ceremony outcome and the credential list, after checking every
 * ceremony message's envelope and the transcript hash (spec 8.2, 8.8) and at least t
 * endorsements of the list by qualified trustees (spec 9.4); the `open` entry must name the
 * context hash. `entries` are {kind, payload} objects in log order.
 */
export function electionFromRecord(entries) {
  const single = (kind) => {
    const found = entries.filter((entry) => entry.kind === kind);
    require(found.length === 1, `the board's setup must have exactly one ${kind} entry`);
    return found[0].payload;
  };
  const manifest = single('manifest');
  const outcome = single('ceremony-outcome');
  const credentials = single('credentials');
  const election = electionFromParts({ manifest, ceremonyOutcome: outcome, credentials });
  const signingKeys = checkCeremony(
    election.idHex,
    outcome,
    entries.filter((entry) => entry.kind === 'ceremony').map((entry) => entry.payload),
  );
  checkEndorsements({
    electionId: election.id,
    transcriptHash: fromHex(outcome.transcript_hash, 32),
    listHash: election.credentialListHash,
    endorsements: credentials.endorsements,
    signingKeys,
    qualified: new Set(outcome.verification_keys.map((v) => v.trustee)),
    threshold: outcome.threshold,
  });
  const open = single('open');
  exactFields(open, ['type', 'version', 'election'], 'the open entry');
  require(
    open.type === 'votecrypt/open' && open.version === 1 && open.election === election.contextHashHex,
    "the board's open entry names another context",
  );
  return election;
}

/**
 * The election a booth votes in: recomputed from the board's setup entries (electionFromRecord)
 * and compared with what GET /api/v1/election states; refused when the server's manifest, its
 * manifest hash, credential list hash, context hash or fingerprint differ. Without `entries`
 * the ceremony and the endorsements are not checked (a library caller may check them its way).
 */
export function electionFromApi(body, entries) {
  const election = entries
    ? electionFromRecord(entries)
    : electionFromParts({
        manifest: body.manifest,
        ceremonyOutcome: body.ceremony_outcome,
        credentials: body.credentials,
      });
  require(toHex(hash(TAGS.MANIFEST, body.manifest)) === election.idHex, 'the server states another manifest');
  require(body.manifest_hash === election.idHex, 'the server states another manifest hash');
  require(
    body.credential_list_hash === toHex(election.credentialListHash),
    'the server states another credential list hash',
  );
  require(body.context_hash === election.contextHashHex, 'the server states another context hash');
  require(body.fingerprint === election.fingerprint, 'the server states another fingerprint');
  return election;
}

