/**
 * noVNC under the admin's Content-Security-Policy (`img-src 'self'`, no `data:`): two of its
 * features load images from `data:` URLs — JPEG rectangles (the Tight, TightPNG and JPEG encodings,
 * steered by the quality-level pseudo-encodings) and the remote cursor (a CSS `url(data:…)` cursor).
 * The viewer therefore never asks the server for them: rectangles come as ZRLE, Hextile or Raw, and
 * the pointer is a CSS cursor of our own (LiveView.vue). The one place that reaches into noVNC's
 * message table; `@novnc/novnc` is pinned in the catalog, and the browser test fails on any CSP
 * violation if an upgrade changes this.
 */
import RFB from '@novnc/novnc';

const TIGHT = 7;
const TIGHT_PNG = -260;
const JPEG = 21;
const CURSOR = -239;
const VMWARE_CURSOR = 0x574d5664;
const QUALITY_LEVELS = { from: -32, to: -23 };

function needsDataUrls(encoding: number): boolean {
  if (encoding >= QUALITY_LEVELS.from && encoding <= QUALITY_LEVELS.to) return true;
  return [TIGHT, TIGHT_PNG, JPEG, CURSOR, VMWARE_CURSOR].includes(encoding);
}

let installed = false;

/** Filters what every viewer asks the server for; idempotent. */
export function keepNoVncWithinCsp(): void {
  if (installed) return;
  installed = true;
  const send = RFB.messages.clientEncodings.bind(RFB.messages);
  RFB.messages.clientEncodings = (sock, encodings) =>
    send(
      sock,
      encodings.filter((encoding) => !needsDataUrls(encoding)),
    );
}
