// What the booth tells the voter when the board or the station refuses: its own Vietnamese
// and English text for every stable reason code the API can give (spec/api/README.md, spec
// 11.3) and for those the client names itself (lib/api.js). The server's own message is
// English for operators: it never appears in the Vietnamese text, and only where it helps
// the counting board (the station's line) in the English one.

const TELL = 'Xin báo cho ban kiểm phiếu.';
const TELL_EN = 'Please tell the counting board.';
const BUSY = ['Máy chủ đang bận, xin thử lại sau giây lát.', 'The server is busy; please try again in a moment.'];
const BROKEN_BALLOT = [
  `Máy chủ không nhận lá phiếu vì nó không đúng. Máy bỏ phiếu này có thể bị lỗi. ${TELL}`,
  `The board refused the ballot as not well made. This voting device may be faulty. ${TELL_EN}`,
];
const PUBLISHED_BEFORE = [
  `Bảng tin đã có một lá phiếu trùng với phiếu này, nên không nhận lại. ${TELL}`,
  `The board already holds a ballot that repeats this one, so it does not take it again. ${TELL_EN}`,
];

/** [Vietnamese, English] for each reason code. */
export const REASONS = {
  // The board's refusals of a code or a ballot (spec 11.3).
  'unknown-credential': [
    'Mã này không thuộc cuộc bỏ phiếu này. Xin so lại với mã in trên phiếu.',
    'This code is not for this election. Please compare it with the printed slip.',
  ],
  'credential-cancelled': [
    `Ban kiểm phiếu đã huỷ mã này vì phiếu mã đã được thay bằng phiếu khác. Xin dùng phiếu mới, hoặc báo cho ban kiểm phiếu.`,
    'The counting board cancelled this code: its slip was replaced by another. Use the new slip, or tell the counting board.',
  ],
  'credential-used': ['Mã này đã được dùng để bỏ phiếu.', 'This code has already been used to vote.'],
  'voting-closed': ['Việc bỏ phiếu đã kết thúc hoặc chưa bắt đầu.', 'Voting is closed, or has not started.'],
  'wrong-election': [
    `Lá phiếu được làm cho một cuộc bỏ phiếu khác. ${TELL}`,
    `The ballot was made for another election. ${TELL_EN}`,
  ],
  malformed: BROKEN_BALLOT,
  'bad-signature': BROKEN_BALLOT,
  'invalid-proof': BROKEN_BALLOT,
  'challenge-mismatch': BROKEN_BALLOT,
  'duplicate-ballot-id': PUBLISHED_BEFORE,
  'duplicate-ciphertext': PUBLISHED_BEFORE,
  // The HTTP layer's (spec/api/README.md).
  'rate-limited': BUSY,
  overloaded: BUSY,
  'too-many-challenges': [
    `Bảng tin không nhận thêm phiếu kiểm tra từ máy này lúc này; chưa có gì được ghi. Bạn vẫn có thể bỏ phiếu: nhập lại mã của bạn. ${TELL}`,
    `The board takes no more challenges from this station for now; nothing was recorded. You can still vote: enter your code again. ${TELL_EN}`,
  ],
  unavailable: [
    `Bảng tin tạm thời không ghi được phiếu. ${TELL} Sau đó thử lại.`,
    `The board cannot record ballots right now. ${TELL_EN} Then try again.`,
  ],
  timeout: ['Máy chủ không nhận đủ yêu cầu kịp thời. Xin thử lại.', 'The server did not receive the whole request in time. Please try again.'],
  'too-large': [`Máy chủ không nhận yêu cầu vì quá lớn. ${TELL}`, `The server refused the request as too large. ${TELL_EN}`],
  'unsupported-media-type': [`Máy chủ không đọc được yêu cầu. ${TELL}`, `The server could not read the request. ${TELL_EN}`],
  'method-not-allowed': [`Máy chủ không đọc được yêu cầu. ${TELL}`, `The server could not read the request. ${TELL_EN}`],
  'not-found': [`Máy chủ không có dữ liệu được hỏi. ${TELL}`, `The server does not have what was asked. ${TELL_EN}`],
  internal: [`Máy chủ gặp lỗi. ${TELL}`, `The server had an error. ${TELL_EN}`],
  // The station's (votecrypt station, spec 17.7).
  forbidden: [`Máy bỏ phiếu không chuyển yêu cầu này. ${TELL}`, `The voting station does not forward this request. ${TELL_EN}`],
  'station-not-ready': [
    'Máy bỏ phiếu chưa sẵn sàng; đang thử lại. Xin chờ hoặc báo cho ban kiểm phiếu.',
    'This voting station is not ready; retrying. Please wait or tell the counting board.',
  ],
  unreachable: [
    `Không liên lạc được với máy chủ. ${TELL}`,
    `The board server cannot be reached. ${TELL_EN}`,
  ],
  // The booth's own (lib/api.js).
  'receipt-mismatch': [
    `Bảng tin xác nhận một mã theo dõi khác với mã của phiếu này. ${TELL}`,
    `The board acknowledged another tracking code than this ballot's. ${TELL_EN}`,
  ],
  record: [`Không đọc được nhật ký của bảng tin. ${TELL}`, `The board's log cannot be read. ${TELL_EN}`],
  'not-open': ['Bảng tin chưa mở cuộc bỏ phiếu.', 'The board has not opened the vote yet.'],
};

/**
 * [Vietnamese, English] for a refusal with `reason` (a code of REASONS or any other).
 * `detail`, the station's or server's English line, is added to the English text only, and
 * only for the station's own states that the counting board must read.
 */
export function describeReason(reason, detail = '') {
  const known = Object.hasOwn(REASONS, reason) ? REASONS[reason] : null;
  if (known === null) {
    const code = /^[a-z0-9-]{1,40}$/.test(reason) ? reason : 'unknown';
    return [`Máy chủ từ chối yêu cầu. ${TELL}`, `The server refused the request (${code}). ${TELL_EN}`];
  }
  const [vi, en] = known;
  if (reason === 'station-not-ready' && detail) return [vi, `${en} (${detail})`];
  return [vi, en];
}
