// A QR code as an SVG element, for the booth's challenge screen and the check page: drawn
// with DOM calls from the vendored encoder's module matrix (vendor/qr, MANIFEST.json), no
// markup parsed, so the page's content security policy holds.

import { encodeQR } from './vendor/qr/index.js';

const SVG = 'http://www.w3.org/2000/svg';
/** The light margin around the symbol that readers need, in modules (ISO/IEC 18004). */
const QUIET_ZONE = 4;

/** An <svg> of `text` as a QR code (error correction level M), `size` CSS pixels wide. */
export function qrImage(text, size = 240) {
  const modules = encodeQR(text, 'raw', { ecc: 'medium' });
  const width = modules.length + 2 * QUIET_ZONE;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${width}`);
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('role', 'img');
  // A screen reader names the image by what it encodes (WCAG 1.1.1).
  svg.setAttribute('aria-label', `Mã QR / QR code: ${text}`);
  const background = document.createElementNS(SVG, 'rect');
  background.setAttribute('width', String(width));
  background.setAttribute('height', String(width));
  background.setAttribute('fill', '#fff');
  let d = '';
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x + QUIET_ZONE} ${y + QUIET_ZONE}h1v1h-1z`;
    });
  });
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(background, path);
  return svg;
}
