// Text in the voter's two languages, for the booth and the check page.

/** A Vietnamese text with its English beside it (the .en span). */
export function bilingual(element, vi, en) {
  element.textContent = vi;
  if (en) {
    const english = document.createElement('span');
    english.className = 'en';
    english.lang = 'en';
    english.textContent = en;
    element.append(english);
  }
  return element;
}
