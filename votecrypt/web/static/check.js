// The read-only check page (spec 10.6, 11.12, 17.7), the voters' tracking page: a second
// device (a voter's phone, an observer's laptop) finds a ballot by its tracking code on a copy
// of the board (the board server or an observer's mirror). It re-derives the election from the
// board's setup, reads the entry at the ballot's place in the log and proves that it is in the
// board's signed log (the checkpoint signed with the manifest's board key, the witnesses'
// cosignatures, the inclusion proof); for a challenged ballot it re-encrypts every row with the
// revealed nonces, recomputes the tracking code and shows the choices. An answer that is not
// proven is shown as not confirmed, never its choices. It takes no ballot code and sends
// nothing but the tracking code.

import {
  BoardClient,
  BoardError,
  boardKeys,
  castTrackingCode,
  checkEntryInLog,
  openChallenge,
  openCheckpoint,
} from './votecrypt.js';
import { bilingual } from './bilingual.js';

const client = new BoardClient('');
const $ = (id) => document.getElementById(id);
// The one name of a line left unmarked (spec 13.6), as in booth.js (tests/test_terms.py).
const BLANK_LABEL = { vi: 'Không hợp lệ', en: 'Invalid' };
const TRACKING_ALPHABET = /^[A-Z2-7]{12}$/;
let election = null;

function status(kind, vi, en) {
  const element = $('check-status');
  element.className = `message ${kind}`;
  bilingual(element, vi, en);
}

function verdict(kind, vi, en) {
  const element = $('check-verdict');
  element.className = `message ${kind}`;
  bilingual(element, vi, en);
}

/** A tracking code as typed (any case, spaces, dashes; 0, 1, 8 read as O, I, B: spec 10.5). */
export function normaliseTracking(text) {
  const characters = text
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/0/g, 'O')
    .replace(/1/g, 'I')
    .replace(/8/g, 'B');
  if (!TRACKING_ALPHABET.test(characters)) return null;
  return characters.match(/.{4}/g).join('-');
}

function label(key) {
  if (key === 'blank') return BLANK_LABEL;
  const option = election.options.find((o) => o.key === key);
  return option ? { vi: option.vi, en: option.en } : { vi: key, en: '' };
}

function showChoices(choices) {
  const body = $('check-list');
  body.replaceChildren();
  election.candidates.forEach((candidate, row) => {
    const tr = document.createElement('tr');
    const who = document.createElement('td');
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = candidate.name;
    const position = document.createElement('span');
    position.className = 'position';
    position.textContent = candidate.position;
    who.append(name, position);
    const text = label(choices[row]);
    const choice = bilingual(document.createElement('td'), text.vi, text.en);
    choice.className = 'choice';
    choice.dataset.choice = choices[row];
    tr.append(who, choice);
    body.append(tr);
  });
  $('check-table').hidden = false;
}

/** Why the page cannot show an answer as confirmed (a board or mirror that proves nothing). */
class NotConfirmed extends Error {}
/** An election whose manifest names no board key: no copy of its board can prove anything. */
class Unsigned extends NotConfirmed {}

/**
 * Prove that `entry` (read from this copy of the board) is in the board's signed log (spec
 * 11.5-11.8, 11.12): the latest checkpoint the witnesses cosigned that holds it, or else the
 * board's own, signed with the manifest's board key; the entry's inclusion proof in its tree.
 * Returns {size, confirmedBy}; throws otherwise (NotConfirmed, ReceiptError, BoardError...).
 */
async function proveInLog(entry, keys) {
  if (!keys) throw new Unsigned('this election names no board key, so nothing a board says can be proven');
  const text = (await client.cosigned(entry.seq + 1)) ?? (await client.checkpoint());
  if (text === null) throw new NotConfirmed('this copy of the board sent no signed checkpoint');
  const { checkpoint } = openCheckpoint(text, keys.board);
  if (checkpoint.size <= entry.seq) throw new NotConfirmed('no signed checkpoint holds this ballot yet; look again in a minute');
  const proof = await client.inclusion(entry.seq, checkpoint.size);
  return checkEntryInLog(entry, text, proof, keys);
}

function showState(state, vi, en) {
  $('check-result').dataset.state = state;
  const element = $('check-state');
  element.hidden = !vi;
  if (vi) bilingual(element, vi, en);
}

function showProof(inLog, keys) {
  const of = keys.witnesses.length;
  const by = inLog.confirmedBy.length;
  const enough = by >= keys.needed;
  const witnesses = of
    ? [
        ` Đã được ${by} trên ${of} nhân chứng xác nhận${enough ? '' : ` (cần ${keys.needed})`}.`,
        ` Confirmed by ${by} of ${of} witnesses${enough ? '' : ` (${keys.needed} needed)`}.`,
      ]
    : ['', ''];
  const element = $('check-proof');
  element.className = 'message ok';
  bilingual(
    element,
    `Đã kiểm tra trên thiết bị này: phiếu nằm trong nhật ký có chữ ký của bảng tin.${witnesses[0]}`,
    `Checked on this device: the ballot is in the board's signed log.${witnesses[1]}`,
  );
  element.hidden = false;
}

function notConfirmed(error) {
  showState('not-confirmed', 'CHƯA được xác nhận', 'NOT confirmed');
  const reason = error.message;
  if (error instanceof Unsigned) {
    return verdict(
      'bad',
      'Cuộc bỏ phiếu này không có khoá ký của bảng tin, nên không bản sao nào của bảng tin chứng minh được phiếu nằm trong nhật ký. Hãy kiểm tra bằng hồ sơ cuộc bỏ phiếu sau khi công bố.',
      'This election names no board key, so no copy of its board can prove that the ballot is in its log. Check it in the published election record.',
    );
  }
  verdict(
    'bad',
    'Bản sao bảng tin này không chứng minh được phiếu nằm trong nhật ký có chữ ký của bảng tin. Không thể xác nhận phiếu này ở đây; hãy thử lại sau ít phút hoặc tra cứu trên bản sao của người quan sát.',
    `This copy of the board does not prove the ballot is in the board's signed log (${reason}). The ballot cannot be confirmed here; try again in a few minutes, or look it up on an observer's copy.`,
  );
}

async function lookUp(code) {
  $('check-result').hidden = false;
  $('check-table').hidden = true;
  $('check-proof').hidden = true;
  showState('looking');
  $('check-tracking').textContent = code;
  verdict('', 'Đang tra cứu…', 'Looking it up…');
  let tracked;
  try {
    tracked = await client.track(code);
  } catch (error) {
    if (error instanceof BoardError && error.status === 404) {
      showState('absent');
      return verdict(
        'bad',
        'Không có phiếu nào với mã theo dõi này trên bảng tin. Bản sao của người quan sát có thể chậm vài giây: hãy thử lại.',
        "No ballot with this tracking code is on the board. An observer's copy may be a few seconds behind: look again.",
      );
    }
    if (error instanceof BoardError) return notConfirmed(error);
    throw error;
  }
  // Only the place is taken from the tracking answer: what is there is read from the record,
  // proven to be in the signed log, and checked on this device.
  const keys = boardKeys(election.manifest, election.contextHashHex);
  let entry;
  let inLog;
  try {
    if (!Number.isSafeInteger(tracked?.seq)) throw new NotConfirmed('the answer names no place in the log');
    entry = await client.entry(tracked.seq);
    inLog = await proveInLog(entry, keys);
  } catch (error) {
    // Whatever this copy sent that does not prove the entry (unreachable, malformed, a forged
    // proof or signature) leaves the ballot not confirmed.
    return notConfirmed(error);
  }
  let opened = null;
  try {
    if (entry.kind === 'ballot') {
      if (castTrackingCode(election, entry.payload) !== code) throw new Error('the ballot at this place has another tracking code');
    } else if (entry.kind === 'challenge') {
      opened = openChallenge(election, entry.payload);
      if (opened.trackingCode !== code) throw new Error('the opened ballot has another tracking code');
    } else {
      throw new Error('the log holds no ballot at this place');
    }
  } catch (error) {
    showState('bad', 'KHÔNG kiểm chứng được', 'Does NOT check');
    return verdict(
      'bad',
      'Phiếu KHÔNG kiểm chứng được. Xin báo ngay cho ban kiểm phiếu.',
      `The ballot does NOT check: ${error.message}. Tell the counting board at once.`,
    );
  }
  showProof(inLog, keys);
  if (!opened) {
    showState('cast', 'Đã bỏ phiếu', 'Cast');
    return verdict(
      'ok',
      'Phiếu này đã được bỏ và sẽ được tính; nội dung của nó không bao giờ được mở.',
      'This ballot was cast and is counted; its content is never opened.',
    );
  }
  showState('challenged', 'Phiếu đã được mở để kiểm tra', 'The ballot was opened for checking');
  showChoices(opened.choices);
  verdict(
    'ok',
    'Đã kiểm tra trên thiết bị này: phiếu mã hoá đúng các lựa chọn dưới đây. Hãy so sánh với lựa chọn của bạn; nếu khác, xin báo ngay cho ban kiểm phiếu. Phiếu này không được tính.',
    'Checked on this device: the ballot encrypts exactly the choices below. Compare them with what you chose; if they differ, tell the counting board at once. This ballot is not counted.',
  );
}

async function onSubmit(event) {
  event.preventDefault();
  const code = normaliseTracking($('tracking-input').value);
  if (!code) {
    return status('bad', 'Mã theo dõi gồm 12 chữ A-Z và số 2-7.', 'A tracking code has 12 letters A-Z and digits 2-7.');
  }
  history.replaceState(null, '', `#${code}`);
  await lookUp(code);
}

async function load() {
  try {
    election = (await client.election()).election;
  } catch (error) {
    const reason = error instanceof BoardError ? error.message : `the election data do not check: ${error.message}`;
    return status('bad', `Không tải được cuộc bỏ phiếu: ${reason}`, `The election cannot be loaded: ${reason}`);
  }
  bilingual($('election-title'), election.title, 'Tra cứu phiếu · Check a ballot');
  $('election-body').textContent = `${election.body} · ${election.date}`;
  $('fingerprint').textContent = election.fingerprint;
  const booth = election.manifest.booth;
  $('booth-digest').textContent = booth ? `${shortDigest(booth.digest)} · votecrypt ${booth.version}` : '—';
  $('fingerprint-box').hidden = false;
  status('ok', 'Đã kiểm chứng thiết lập của bảng tin trên thiết bị này.', "The board's setup was verified on this device.");
  $('check-submit').disabled = false;
  const code = normaliseTracking(decodeURIComponent(location.hash.slice(1)));
  if (code) {
    $('tracking-input').value = code;
    await lookUp(code);
  }
}

/** The booth digest as booths show it (spec 7.5): 20 hex characters in groups of 4. */
export function shortDigest(hex) {
  return hex.slice(0, 20).match(/.{4}/g).join('-');
}

function unexpected(error) {
  verdict('bad', `Lỗi không mong đợi: ${error.message}`, `Unexpected error: ${error.message}`);
}

$('check-form').addEventListener('submit', (event) => onSubmit(event).catch(unexpected));
load().catch(unexpected);
