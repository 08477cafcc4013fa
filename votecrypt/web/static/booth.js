// The web booth (kiosk): code -> choices -> review -> encrypt -> tracking code -> cast or
// challenge. The credential code and the choices stay in this page's memory: only the
// credential's public key, the encrypted ballot and (for a challenge) its opening are sent.
// Nothing is written to browser storage; after every cast the page forgets everything.

import {
  BoardClient,
  BoardError,
  boardKeys,
  checkReceipt,
  CodeError,
  credentialFromCode,
  normaliseCode,
  openChallenge,
  prepareBallot,
  receiptConfirmations,
  ReceiptError,
} from './votecrypt.js';
import { qrImage } from './qr-image.js';
import { bilingual } from './bilingual.js';
import { watchIdle } from './idle.js';
import { describeReason } from './reasons.js';

const client = new BoardClient('');
const $ = (id) => document.getElementById(id);

// The one name of a line left unmarked and what it means (spec 13.6); the same texts as
// BLANK_LABELS and BLANK_MEANING in votecrypt/protocol/results.py (tests/test_terms.py).
const BLANK_LABEL = { vi: 'Không hợp lệ', en: 'Invalid' };
const BLANK_MEANING = {
  vi: 'Muốn bỏ qua một người, hãy chọn "Không hợp lệ": dòng đó là phiếu không hợp lệ đối với riêng người ấy; lá phiếu của bạn vẫn được tính là phiếu thu về.',
  en: 'To leave a person unrated, choose "Invalid": that line is an invalid vote for that person only; your ballot still counts as collected.',
};

/** Everything one voter's session holds; replaced wholesale by a fresh object. */
function freshSession() {
  return { credential: null, choices: [], prepared: null };
}

let election = null;
let session = freshSession();

// --- text and elements ---------------------------------------------------------------------

function make(tag, className, vi, en) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (vi !== undefined) bilingual(element, vi, en);
  return element;
}

function outcomeLabel(key) {
  if (key === 'blank') return BLANK_LABEL;
  const option = election.options.find((o) => o.key === key);
  return { vi: option.vi, en: option.en };
}

function setMessage(element, kind, vi, en) {
  element.className = element.classList.contains('error') ? 'error' : `message ${kind}`;
  if (vi === undefined) element.textContent = '';
  else bilingual(element, vi, en);
}

function show(name) {
  for (const screen of document.querySelectorAll('.screen')) {
    screen.hidden = screen.dataset.screen !== name;
  }
  document.body.dataset.screen = name;
  window.scrollTo(0, 0);
  const focus = {
    code: 'code-input',
    review: 'review-encrypt',
    decide: 'decide-cast',
    challenged: 'challenged-again',
    cast: 'cast-done',
  }[name];
  if (focus) $(focus).focus();
}

function fatal(vi, en) {
  bilingual($('fatal-message'), vi, en);
  show('fatal');
}

/** [Vietnamese, English] for a refusal: the booth's own words for its reason code. */
function describeBoardError(error) {
  return describeReason(error.reason, error.message);
}

// --- the election ----------------------------------------------------------------------------

const PHASES = {
  start: ['Chưa bắt đầu', 'Not started'],
  setup: ['Đang chuẩn bị', 'Being set up'],
  voting: ['Đang bỏ phiếu', 'Voting is open'],
  closed: ['Đã kết thúc bỏ phiếu', 'Voting is closed'],
  tallied: ['Đã kiểm phiếu', 'Tallied'],
  published: ['Đã công bố kết quả', 'Results published'],
};

/** Seconds between two looks at the board's phase while the code screen waits for a voter. */
const PHASE_POLL_SECONDS = 20;
let phase = null;

/**
 * Show the board's phase; while voting is not open, the code screen says so and takes no code
 * (a kiosk left on after the board is closed, or opened before voting starts).
 */
function showPhase(newPhase) {
  phase = newPhase;
  const [vi, en] = PHASES[phase] ?? ['không rõ', phase];
  bilingual($('phase'), `Trạng thái: ${vi}`, `Status: ${en}`);
  const open = phase === 'voting';
  $('code-input').disabled = !open;
  $('code-submit').disabled = !open;
  if (!open) setMessage($('code-message'), 'bad', `Không thể bỏ phiếu lúc này (${vi}).`, `Voting is not possible now (${en}).`);
  else if ($('code-message').textContent.startsWith('Không thể bỏ phiếu lúc này')) setMessage($('code-message'), '');
}

/** While the code screen is shown, look at the board's phase now and then. */
async function watchPhase() {
  if (document.body.dataset.screen === 'code' && election) {
    try {
      const status = await client.status();
      if (status.election === election.contextHashHex && document.body.dataset.screen === 'code') showPhase(status.phase);
    } catch {
      // The server cannot be reached: the next code typed will say so.
    }
  }
  setTimeout(watchPhase, PHASE_POLL_SECONDS * 1000);
}

/** Seconds before the next attempt to load the election, by the number of failed ones. */
const LOAD_RETRY_SECONDS = [2, 4, 8, 15];
/** Failed attempts after which the page says what to do (it keeps trying on its own). */
const LOAD_ATTEMPTS_BEFORE_ADVICE = 3;
let loadFailures = 0;
let loadTimer = null;

/**
 * Whether loading may succeed if tried again: the station or the board away, busy or not
 * open yet, the network cut. Data that do not check are never retried on their own (rule 1).
 */
function retryable(error) {
  if (!(error instanceof BoardError)) return false;
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}

/** Why an attempt to load failed, in a few words. */
function describeLoadError(error) {
  const busy = ['bảng tin đang bận', 'the board is busy'];
  const reasons = {
    unreachable: ['không liên lạc được với bảng tin', 'the board cannot be reached'],
    'station-not-ready': ['máy bỏ phiếu chưa sẵn sàng', `this station is not ready: ${error.message}`],
    'not-open': ['bảng tin chưa mở bỏ phiếu', 'the board has not opened the vote'],
    unavailable: busy,
    overloaded: busy,
    'rate-limited': busy,
    timeout: busy,
  };
  return reasons[error.reason] ?? ['bảng tin trả lời một lỗi', `the board answered: ${error.message}`];
}

/** One failed attempt to load: say so, and try again after a while. */
function loadFailed(error) {
  loadFailures += 1;
  const seconds = LOAD_RETRY_SECONDS[Math.min(loadFailures, LOAD_RETRY_SECONDS.length) - 1];
  const [vi, en] = describeLoadError(error);
  if (loadFailures < LOAD_ATTEMPTS_BEFORE_ADVICE) {
    bilingual(
      $('loading-retry'),
      `Lần tải thứ ${loadFailures} không thành công (${vi}). Đang thử lại sau ${seconds} giây…`,
      `Attempt ${loadFailures} to load failed (${en}). Retrying in ${seconds} s…`,
    );
    $('loading-retry').hidden = false;
  } else {
    bilingual($('unloaded-reason'), `Lần thử thứ ${loadFailures}: ${vi}`, `Attempt ${loadFailures}: ${en}`);
    bilingual(
      $('unloaded-next'),
      `Máy này tự thử lại sau ${seconds} giây.`,
      `This station tries again on its own in ${seconds} s.`,
    );
    show('unloaded');
  }
  loadTimer = setTimeout(() => loadElection().catch(unexpected), seconds * 1000);
}

async function loadElection() {
  clearTimeout(loadTimer);
  loadTimer = null;
  if (document.body.dataset.screen !== 'unloaded') show('loading');
  try {
    const loaded = await client.election();
    election = loaded.election;
    showPhase(loaded.phase);
  } catch (error) {
    if (retryable(error)) return loadFailed(error);
    if (error instanceof BoardError) return fatal(...describeBoardError(error));
    // The published data do not fit together: the booth refuses to take part (rule 1).
    return fatal('Dữ liệu cuộc bỏ phiếu không khớp.', `The election data do not check: ${error.message}`);
  }
  loadFailures = 0;
  $('loading-retry').hidden = true;
  bilingual($('election-title'), election.title);
  $('election-body').textContent = `${election.body} · ${election.date}`;
  $('fingerprint').textContent = election.fingerprint;
  showBoothDigest();
  $('fingerprint-box').hidden = false;
  document.title = `${election.title} — Phòng bỏ phiếu / Voting booth`;
  startVoter();
  setTimeout(watchPhase, PHASE_POLL_SECONDS * 1000);
}

// --- the approved booth and the second device (spec 7.5, 17.7) -------------------------------

/** Where a second device checks a challenge: the station names it; without one, nowhere. */
let checkUrl = null;

/** The approved booth's digest beside the fingerprint, from the verified manifest. */
async function showBoothDigest() {
  const booth = election.manifest.booth;
  $('booth-digest-label').hidden = !booth;
  $('booth-digest').textContent = booth ? `${booth.digest.slice(0, 20).match(/.{4}/g).join('-')} · votecrypt ${booth.version}` : '';
  checkUrl = await stationCheckUrl();
}

/** The station's check page address; tried again (2, 4, 8 s) if the station does not answer. */
async function stationCheckUrl() {
  for (const seconds of [2, 4, 8, 0]) {
    try {
      const response = await fetch('/station/status', { cache: 'no-store', credentials: 'omit' });
      if (response.ok) {
        const station = await response.json();
        return typeof station?.check_url === 'string' && /^https?:\/\//.test(station.check_url) ? station.check_url : null;
      }
    } catch {
      // The station did not answer: below, try again.
    }
    if (seconds) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
  return null;
}

/** The QR code and address of the check page for this tracking code. */
function showSecondDevice(trackingCode) {
  $('challenged-qr').replaceChildren();
  $('challenged-url').textContent = '';
  $('second-device').hidden = !checkUrl;
  if (!checkUrl) return;
  const address = `${checkUrl}#${trackingCode}`;
  $('challenged-qr').append(qrImage(address));
  $('challenged-url').textContent = address;
}

// --- 1. the code -----------------------------------------------------------------------------

/**
 * Forget the current voter, in memory and in the page, hidden screens included: the code,
 * the choices, the opened choices of a challenge, every tracking code and message. Called
 * whenever a voter's session ends (cast, refused, abandoned, failed), so that the next person
 * at the kiosk finds nothing of it even in the DOM.
 */
function forgetVoter() {
  session.prepared?.forget();
  session = freshSession();
  $('code-input').value = '';
  $('choices-list').replaceChildren();
  $('review-list').replaceChildren();
  $('challenged-list').replaceChildren();
  for (const id of ['decide-tracking', 'cast-tracking', 'challenged-tracking', 'challenged-url']) $(id).textContent = '';
  $('challenged-qr').replaceChildren();
  $('second-device').hidden = true;
  setMessage($('challenged-check'), '');
  setMessage($('challenged-receipt'), '');
  setMessage($('cast-confirmation'), '');
  setMessage($('decide-message'), 'bad');
  setMessage($('choices-message'), 'bad');
}

function startVoter() {
  forgetVoter();
  $('code-input').removeAttribute('aria-invalid');
  $('code-input').classList.remove('valid');
  setMessage($('code-message'), '');
  show('code');
  showPhase(phase);
}

function typedCharacters(value) {
  return value.toUpperCase().replace(/[\s-]/g, '');
}

function codeProblem(value) {
  try {
    normaliseCode(value);
    return null;
  } catch (error) {
    if (!(error instanceof CodeError)) throw error;
    return error.reason === 'check'
      ? ['Mã bị gõ sai (ký tự kiểm tra không khớp). Xin kiểm tra lại.', 'The code is mistyped (its check characters do not match). Please check it.']
      : ['Mã gồm 22 chữ và số.', 'A code has 22 letters and digits.'];
  }
}

/** Checked as the voter types: once 22 characters are there, the check characters decide. */
function onCodeInput() {
  const input = $('code-input');
  const characters = typedCharacters(input.value);
  input.classList.remove('valid');
  input.removeAttribute('aria-invalid');
  if (characters.length < 22) return setMessage($('code-message'), '');
  const problem = codeProblem(input.value);
  if (problem) {
    input.setAttribute('aria-invalid', 'true');
    return setMessage($('code-message'), 'bad', ...problem);
  }
  input.classList.add('valid');
  setMessage($('code-message'), 'ok', 'Mã hợp lệ.', 'The code checks.');
}

async function onCodeSubmit(event) {
  event.preventDefault();
  const input = $('code-input');
  const problem = codeProblem(input.value);
  if (problem) {
    input.setAttribute('aria-invalid', 'true');
    return setMessage($('code-message'), 'bad', ...problem);
  }
  $('code-submit').disabled = true;
  setMessage($('code-message'), '', 'Đang kiểm tra mã…', 'Checking the code…');
  try {
    const credential = credentialFromCode(election.id, input.value);
    input.value = '';
    const status = await client.status();
    if (status.election !== election.contextHashHex || status.fingerprint !== election.fingerprint) {
      // The server now speaks of another election than the one this page checked.
      forgetVoter();
      return fatal('Máy chủ đang phục vụ một cuộc bỏ phiếu khác.', 'The server now serves another election.');
    }
    showPhase(status.phase);
    if (status.phase !== 'voting') {
      const [vi, en] = PHASES[status.phase] ?? ['không rõ', status.phase];
      return refuseCode(`Không thể bỏ phiếu lúc này (${vi}).`, `Voting is not possible now (${en}).`);
    }
    // The board answers for the credentials in force: the list, and the supplements that
    // added or cancelled some while voting is open (spec 9.6).
    const state = await client.credential(credential.publicKeyHex);
    if (state.cancelled === true) return refuseCode(...describeReason('credential-cancelled'));
    if (!state.issued) return refuseCode(...describeReason('unknown-credential'));
    if (state.used) return refuseCode(...describeReason('credential-used'));
    session.credential = credential;
    showChoices();
  } catch (error) {
    if (error instanceof BoardError) return refuseCode(...describeBoardError(error));
    throw error;
  }
}

function refuseCode(vi, en) {
  forgetVoter();
  $('code-input').classList.remove('valid');
  $('code-input').setAttribute('aria-invalid', 'true');
  $('code-submit').disabled = phase !== 'voting';
  setMessage($('code-message'), 'bad', vi, en);
  show('code');
}

// --- 2. the choices --------------------------------------------------------------------------

function showChoices() {
  session.choices = [];
  const list = $('choices-list');
  list.replaceChildren();
  const keys = election.blankAllowed ? [...election.outcomes.slice(1), 'blank'] : election.outcomes;
  election.candidates.forEach((candidate, row) => {
    const item = make('li', 'candidate');
    item.dataset.row = String(row);
    const fieldset = document.createElement('fieldset');
    const legend = document.createElement('legend');
    legend.append(make('span', 'name', `${row + 1}. ${candidate.name}`), make('span', 'position', candidate.position));
    fieldset.append(legend);
    const options = make('div', 'options');
    for (const key of keys) {
      const label = make('label', 'option');
      const radio = document.createElement('input');
      radio.type = 'radio';
      radio.name = `row-${row}`;
      radio.value = key;
      radio.dataset.row = String(row);
      const text = outcomeLabel(key);
      const span = make('span', null, text.vi, text.en);
      label.append(radio, span);
      radio.addEventListener('change', () => {
        item.classList.remove('missing');
        item.querySelector('.missing-note')?.remove();
      });
      options.append(label);
    }
    fieldset.append(options);
    // The first row also reads out what the choices mean, "Invalid" included.
    if (row === 0) fieldset.setAttribute('aria-describedby', 'choices-instructions');
    item.append(fieldset);
    list.append(item);
  });
  bilingual(
    $('choices-instructions'),
    election.blankAllowed
      ? `Chọn một mức cho mỗi người. ${BLANK_MEANING.vi}`
      : 'Chọn một mức cho mỗi người.',
    election.blankAllowed
      ? `Choose one level for each person. ${BLANK_MEANING.en}`
      : 'Choose one level for each person.',
  );
  setMessage($('choices-message'), 'bad');
  show('choices');
  const first = list.querySelector('input');
  if (first) first.focus();
}

function readChoices() {
  const choices = [];
  const missing = [];
  election.candidates.forEach((_, row) => {
    const checked = document.querySelector(`input[name="row-${row}"]:checked`);
    const item = document.querySelector(`.candidate[data-row="${row}"]`);
    item.classList.toggle('missing', !checked);
    // A row left without a choice is said in words beside its name, not by colour alone.
    const legend = item.querySelector('legend');
    legend.querySelector('.missing-note')?.remove();
    if (!checked) legend.append(make('span', 'missing-note', 'Chưa chọn', 'No choice yet'));
    if (checked) choices.push(checked.value);
    else missing.push(row + 1);
  });
  return { choices, missing };
}

function onChoicesSubmit(event) {
  event.preventDefault();
  const { choices, missing } = readChoices();
  if (missing.length) {
    setMessage(
      $('choices-message'),
      'bad',
      `Chưa chọn cho: ${missing.join(', ')}.`,
      `No choice yet for: ${missing.join(', ')}.`,
    );
    document.querySelector('.candidate.missing input')?.focus();
    return;
  }
  session.choices = choices;
  showReview();
}

// --- 3. review, encrypt ----------------------------------------------------------------------

function fillChoiceTable(body, choices) {
  body.replaceChildren();
  election.candidates.forEach((candidate, row) => {
    const tr = document.createElement('tr');
    const who = document.createElement('td');
    who.append(make('span', 'name', candidate.name), make('span', 'position', candidate.position));
    const label = outcomeLabel(choices[row]);
    const choice = make('td', 'choice', label.vi, label.en);
    choice.dataset.choice = choices[row];
    tr.append(who, choice);
    body.append(tr);
  });
}

function showReview() {
  fillChoiceTable($('review-list'), session.choices);
  show('review');
}

async function onEncrypt() {
  show('encrypting');
  // Let the browser paint the "encrypting" screen before the work starts.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const outcomes = session.choices.map((key) => election.outcomes.indexOf(key));
  session.prepared = prepareBallot(election, session.credential, outcomes);
  $('decide-tracking').textContent = session.prepared.trackingCode;
  setMessage($('decide-message'), 'bad');
  setDecideButtons(false);
  show('decide');
}

function setDecideButtons(disabled) {
  $('decide-cast').disabled = disabled;
  $('decide-challenge').disabled = disabled;
}

// --- 4. cast or challenge --------------------------------------------------------------------

/**
 * Whether the board's answer proves the ballot is on the board (spec 11.9): a receipt signed
 * with the manifest's board key whose inclusion proof holds for this very ballot. Anything
 * else (an unsigned board, no receipt, a bad signature or proof) is not confirmed.
 */
function receiptStatus(answer, payload) {
  const keys = boardKeys(election.manifest, election.contextHashHex);
  if (!keys) return { confirmed: false };
  try {
    const { confirmedBy } = checkReceipt(answer.receipt, payload, keys);
    return { confirmed: true, names: confirmedBy, by: confirmedBy.length, of: keys.witnesses.length, needed: keys.needed };
  } catch (error) {
    if (!(error instanceof ReceiptError)) throw error;
    return { confirmed: false };
  }
}

/** Seconds between two looks for the witnesses' cosignatures while the cast screen shows. */
const WITNESS_POLL_SECONDS = 2;
let witnessTimer = null;
/** Which watch is current: a look still in flight for an earlier voter changes nothing. */
let watchGeneration = 0;

/**
 * While `screen` shows a confirmed receipt, look for a checkpoint that the named witnesses
 * cosigned and that extends the receipt's (spec 11.10), and show "confirmed by k of m" in
 * `element` once k of them have. Only public data is kept: the receipt, never the voter's
 * code or choices.
 */
function watchWitnesses(receipt, status, screen, element) {
  clearTimeout(witnessTimer);
  const generation = ++watchGeneration;
  const current = () => generation === watchGeneration && document.body.dataset.screen === screen;
  if (!status.confirmed || !status.of || status.by >= status.needed) return;
  const keys = boardKeys(election.manifest, election.contextHashHex);
  const size = Number(receipt.checkpoint.split('\n')[1]);
  // A witness that cosigned any checkpoint that extends the receipt's holds the board's
  // signature on a tree with the ballot (spec 11.9): each witness is asked for its own latest
  // one and counted once, since under load two witnesses rarely cosign the same checkpoint.
  const seen = new Set(status.names);
  const look = async () => {
    if (!current()) return;
    for (const witness of keys.witnesses) {
      if (seen.has(witness.name)) continue;
      try {
        const cosigned = await client.cosigned(receipt.seq + 1, witness.name);
        if (cosigned === null) continue;
        const newSize = Number(cosigned.split('\n')[1]);
        const proof = await client.consistency(size, newSize);
        for (const name of receiptConfirmations(receipt, cosigned, proof, keys)) seen.add(name);
      } catch (error) {
        if (!(error instanceof ReceiptError) && !(error instanceof BoardError)) throw error;
      }
    }
    if (!current()) return;
    if (seen.size > status.by) {
      status = { ...status, by: seen.size };
      showWitnesses(element, status);
    }
    if (status.by >= status.needed) return;
    witnessTimer = setTimeout(() => look().catch(unexpected), WITNESS_POLL_SECONDS * 1000);
  };
  witnessTimer = setTimeout(() => look().catch(unexpected), WITNESS_POLL_SECONDS * 1000);
}

/**
 * The receipt's status in words (spec 11.9): signed by the board, and "confirmed by k of m"
 * once k of the m witnesses the manifest names cosigned a checkpoint that holds it.
 */
function showWitnesses(element, status) {
  const [vi, en] = ['Bảng tin đã ký biên nhận: phiếu nằm trong nhật ký.', 'The board signed the receipt: the ballot is in its log.'];
  if (!status.of) return setMessage(element, 'ok', vi, en);
  if (status.by >= status.needed) {
    return setMessage(
      element,
      'ok',
      `${vi} Đã được ${status.by} trên ${status.of} nhân chứng xác nhận.`,
      `${en} Confirmed by ${status.by} of ${status.of} witnesses.`,
    );
  }
  setMessage(
    element,
    'ok',
    `${vi} Chưa được xác nhận: ${status.by} trên ${status.of} nhân chứng đã ký, cần ${status.needed}.`,
    `${en} Not yet confirmed: ${status.by} of ${status.of} witnesses cosigned, ${status.needed} needed.`,
  );
}

function showReceiptStatus(status) {
  const title = $('cast-title');
  const message = $('cast-confirmation');
  if (!status.confirmed) {
    bilingual(title, 'Phiếu đã gửi nhưng CHƯA được xác nhận', 'Ballot sent but NOT confirmed');
    return setMessage(
      message,
      'bad',
      'Bảng tin không gửi lại biên nhận có chữ ký hợp lệ. Hãy ghi lại mã theo dõi, kiểm tra nó trên bảng tin và báo cho ban kiểm phiếu.',
      'The board sent no validly signed receipt. Write down the tracking code, check it on the board and tell the counting board.',
    );
  }
  bilingual(title, 'Phiếu của bạn đã được ghi nhận', 'Your ballot is recorded');
  showWitnesses(message, status);
}

/** The challenged ballot's receipt, checked as a cast ballot's is (spec 11.9). */
function showChallengeReceipt(status) {
  const message = $('challenged-receipt');
  if (status.confirmed) return showWitnesses(message, status);
  setMessage(
    message,
    'bad',
    'Bảng tin không gửi lại biên nhận có chữ ký hợp lệ cho phiếu đã mở. Hãy ghi lại mã theo dõi và báo cho ban kiểm phiếu.',
    'The board sent no validly signed receipt for the opened ballot. Write down the tracking code and tell the counting board.',
  );
}

async function onCast() {
  setDecideButtons(true);
  try {
    const payload = session.prepared.toJSON();
    const answer = await client.cast(session.prepared);
    const status = receiptStatus(answer, payload);
    // Forget the voter at once: only the tracking code stays on screen.
    forgetVoter();
    $('cast-tracking').textContent = answer.tracking_code;
    showReceiptStatus(status);
    show('cast');
    watchWitnesses(answer.receipt, status, 'cast', $('cast-confirmation'));
    scheduleReturn();
  } catch (error) {
    if (!(error instanceof BoardError)) throw error;
    if (error.status === 0 || error.status === 429 || error.status === 503) {
      // The voter may send the same ballot again. It may have reached the board (an answer
      // lost on the way back), so it can no longer be opened: only casting stays possible.
      $('decide-cast').disabled = false;
      const [vi, en] = describeBoardError(error);
      return setMessage(
        $('decide-message'),
        'bad',
        `${vi} Sau đó bấm «Bỏ phiếu» để gửi lại đúng lá phiếu này.`,
        `${en} Then press “Cast my ballot” to send this same ballot again.`,
      );
    }
    refuseCode(...describeBoardError(error));
  }
}

async function onChallenge() {
  setDecideButtons(true);
  const prepared = session.prepared;
  try {
    const opening = prepared.challenge();
    const answer = await client.challenge(prepared);
    const status = receiptStatus(answer, opening);
    prepared.forget();
    session.prepared = null;
    // Check the opening as anyone can (re-encryption), and compare with the board's copy.
    const opened = openChallenge(election, opening);
    const tracked = await client.track(prepared.trackingCode);
    const agrees =
      opened.trackingCode === prepared.trackingCode &&
      tracked.status === 'challenged' &&
      JSON.stringify(tracked.choices) === JSON.stringify(opened.choices) &&
      JSON.stringify(opened.choices) === JSON.stringify(session.choices);
    $('challenged-tracking').textContent = prepared.trackingCode;
    fillChoiceTable($('challenged-list'), opened.choices);
    showSecondDevice(prepared.trackingCode);
    if (agrees) {
      setMessage($('challenged-check'), 'ok', 'Phiếu mở ra khớp với lựa chọn của bạn.', 'The opened ballot matches your choices.');
    } else {
      setMessage(
        $('challenged-check'),
        'bad',
        'Phiếu mở ra KHÔNG khớp với lựa chọn của bạn. Xin báo ngay cho ban kiểm phiếu.',
        'The opened ballot does NOT match your choices. Tell the counting board at once.',
      );
    }
    showChallengeReceipt(status);
    session.choices = [];
    show('challenged');
    watchWitnesses(answer.receipt, status, 'challenged', $('challenged-receipt'));
  } catch (error) {
    if (!(error instanceof BoardError)) throw error;
    refuseCode(...describeBoardError(error));
  }
}

let returnTimer = null;
function scheduleReturn() {
  clearTimeout(returnTimer);
  returnTimer = setTimeout(startVoter, 30000);
}

function onDone() {
  clearTimeout(returnTimer);
  startVoter();
}

// A voter who walks away: the page asks whether they are still there, then forgets them and
// returns to the code prompt, so that the next person sees nothing of them (idle.js).
watchIdle({
  holdsVoter: () =>
    !['code', 'loading', 'unloaded', 'fatal', 'encrypting'].includes(document.body.dataset.screen) ||
    $('code-input').value !== '',
  forget: startVoter,
  dialog: $('idle-warning'),
  button: $('idle-continue'),
});

// --- wiring ----------------------------------------------------------------------------------

$('code-input').addEventListener('input', onCodeInput);
$('code-form').addEventListener('submit', (event) => onCodeSubmit(event).catch(unexpected));
$('choices-form').addEventListener('submit', onChoicesSubmit);
$('choices-cancel').addEventListener('click', startVoter);
$('review-back').addEventListener('click', () => {
  show('choices');
  // Back where the voter left: the first row's choice.
  const list = $('choices-list');
  (list.querySelector('input:checked') ?? list.querySelector('input'))?.focus();
});
$('review-encrypt').addEventListener('click', () => onEncrypt().catch(unexpected));
$('decide-cast').addEventListener('click', () => onCast().catch(unexpected));
$('decide-challenge').addEventListener('click', () => onChallenge().catch(unexpected));
$('challenged-again').addEventListener('click', showChoices);
$('cast-done').addEventListener('click', onDone);
$('fatal-retry').addEventListener('click', () => loadElection().catch(unexpected));
$('unloaded-retry').addEventListener('click', () => loadElection().catch(unexpected));

function unexpected(error) {
  forgetVoter();
  fatal('Máy bỏ phiếu gặp lỗi không mong đợi.', `Unexpected error: ${error.message}`);
}

loadElection().catch(unexpected);
