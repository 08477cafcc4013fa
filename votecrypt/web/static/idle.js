// Idle reset for a shared booth: a voter who walks away must not leave their choices on
// screen. After `idleSeconds` without a touch, a key or a click, the page asks "Are you still
// there?"; after `warningSeconds` more without an answer, it forgets the voter.
//
// The two times are read each time a wait starts, from the page's `idle-seconds` and
// `idle-warning-seconds` meta settings (index.html), so that a kiosk can be set up by editing
// them (and a test can shorten them) without changing code.

const ACTIVITY = ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'];

function setting(name, fallback) {
  const value = Number(document.querySelector(`meta[name="${name}"]`)?.content);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * Watch for a voter who has gone. `holdsVoter()` says whether the page holds anything of a
 * voter now; `forget()` forgets them. `dialog` is the warning, with a `button` to continue.
 */
export function watchIdle({ holdsVoter, forget, dialog, button }) {
  let timer = null;
  let focused = null;

  /** Show or hide the question; while it shows, the page behind it is inert (aria-modal):
   * Tab cannot leave the question and a screen reader reads only it. */
  function showDialog(shown) {
    dialog.hidden = !shown;
    for (const element of document.body.children) {
      if (element !== dialog && element.tagName !== 'SCRIPT') element.inert = shown;
    }
  }

  function warn() {
    if (!holdsVoter()) return wait();
    focused = document.activeElement;
    showDialog(true);
    button.focus();
    timer = setTimeout(() => {
      showDialog(false);
      forget();
      wait();
    }, setting('idle-warning-seconds', 30) * 1000);
  }

  function wait() {
    clearTimeout(timer);
    timer = setTimeout(warn, setting('idle-seconds', 60) * 1000);
  }

  function onActivity() {
    // While the question is shown, only its button (or Enter/Space on it) answers it.
    if (dialog.hidden) wait();
  }

  // Its one button keeps the focus: Tab does not leave the question for the browser's own UI.
  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'Tab') {
      event.preventDefault();
      button.focus();
    }
  });
  button.addEventListener('click', () => {
    showDialog(false);
    // The voter goes on where they were.
    if (focused?.isConnected) focused.focus();
    wait();
  });
  for (const type of ACTIVITY) document.addEventListener(type, onActivity, { passive: true });
  wait();
}
