// votecrypt's ballot side in JavaScript: one ES module for the web booth and for any other
// front-end (docs/javascript.md). It runs in browsers and in Node 20+, loads nothing but its
// own files and the vendored @noble libraries beside it, and draws every random value from
// crypto.getRandomValues.

export { BoardClient, BoardError } from './lib/api.js';
export { ballotHash, castTrackingCode, ChoiceError, openChallenge, prepareBallot, PreparedBallot, trackingCodeOf, trackingHash } from './lib/ballot.js';
export { CodeError, credentialFromCode, formatCode, normaliseCode } from './lib/credentials.js';
export { checkCeremony, checkEndorsements, messageDigest, SetupError } from './lib/ceremony.js';
export { BLANK, credentialListHash, electionFingerprint, electionFromApi, electionFromParts, electionFromRecord } from './lib/election.js';
export { encode, hash, challenge, Scalar, TAGS } from './lib/encoding.js';
export { encryptWithNonce, pointFromHex, pointHex } from './lib/group.js';
export { proveMembership, verifyMembership } from './lib/membership.js';
export { Packing } from './lib/packing.js';
export {
  boardKeys,
  checkEntryInLog,
  checkReceipt,
  electionOrigin,
  leafHash,
  openCheckpoint,
  parseNote,
  ReceiptError,
  receiptConfirmations,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
} from './lib/transparency.js';
