// The read-only check page (spec 10.6, 17.7): a second device (a voter's phone, an
// observer's laptop) finds a ballot by its tracking code and, for a challenged ballot,
// checks the opening itself: it re-derives the election from the board's setup, re-encrypts
// every row with the revealed nonces, compares the ciphertexts, recomputes the tracking code
// and shows the choices. It takes no ballot code and sends nothing but the tracking code.

import { BoardClient, BoardError, openChallenge } from './votecrypt.js';
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

async function lookUp(code) {
  $('check-result').hidden = false;
  $('check-table').hidden = true;
  $('check-tracking').textContent = code;
  verdict('', 'Đang tra cứu…', 'Looking it up…');
  let tracked;
  try {
    tracked = await client.track(code);
  } catch (error) {
    if (error instanceof BoardError && error.status === 404) {
      return verdict('bad', 'Không có phiếu nào với mã theo dõi này trên bảng tin.', 'No ballot with this tracking code is on the board.');
    }
    throw error;
  }
  if (tracked.status === 'cast') {
    return verdict(
      'ok',
      'Phiếu này đã được bỏ và sẽ được tính; nội dung của nó không bao giờ được mở.',
      'This ballot was cast and is counted; its content is never opened.',
    );
  }
  const entry = await client.entry(tracked.seq);
  let opened;
  try {
    if (entry.kind !== 'challenge') throw new Error('the board shows no opened ballot at this place');
    opened = openChallenge(election, entry.payload);
    if (opened.trackingCode !== code) throw new Error('the opened ballot has another tracking code');
  } catch (error) {
    return verdict(
      'bad',
      `Phiếu mở ra KHÔNG kiểm chứng được: ${error.message}. Xin báo ngay cho ban kiểm phiếu.`,
      `The opened ballot does NOT check: ${error.message}. Tell the counting board at once.`,
    );
  }
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
