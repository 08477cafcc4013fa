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

  function warn() {
    if (!holdsVoter()) return wait();
    dialog.hidden = false;
    button.focus();
    timer = setTimeout(() => {
      dialog.hidden = true;
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

  button.addEventListener('click', () => {
    dialog.hidden = true;
    wait();
  });
  for (const type of ACTIVITY) document.addEventListener(type, onActivity, { passive: true });
  wait();
}
