import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where Debian's Chromium reads managed policies; the sandbox mounts the sidecar's own there. */
export const MANAGED_POLICY_FOLDER = '/etc/chromium/policies/managed';

/**
 * Chromium enterprise policies for every browser the sidecar starts inside bubblewrap. The one that
 * matters most has no command-line switch that works: WebRTC would otherwise send UDP (STUN, peer
 * connections) straight out, past the egress proxy, to any address a page names.
 */
const POLICY = {
  WebRtcIPHandling: 'disable_non_proxied_udp',
  // Nothing the owner types while recording is kept or sent for suggestions.
  PasswordManagerEnabled: false,
  AutofillAddressEnabled: false,
  AutofillCreditCardEnabled: false,
  SearchSuggestEnabled: false,
  NetworkPredictionOptions: 2,
  // HTTP/3 and WebTransport run over UDP, which the egress proxy does not carry.
  QuicAllowed: false,
  TranslateEnabled: false,
  SpellCheckServiceEnabled: false,
  MetricsReportingEnabled: false,
  BrowserSignin: 0,
  SyncDisabled: true,
};

/** Writes the policy file into `folder/policies` (readable by the browser's account) and returns that folder. */
export function writeBrowserPolicy(folder: string): string {
  const policies = path.join(folder, 'policies');
  mkdirSync(policies, { recursive: true, mode: 0o755 });
  chmodSync(policies, 0o755);
  writeFileSync(path.join(policies, 'talon.json'), JSON.stringify(POLICY), { mode: 0o644 });
  return policies;
}
