// Session-wide protections: the CSP header (in addition to the meta tag in index.html, for any
// response that does carry headers) and a blanket "no" to permission prompts the UI never needs.
import type { Session } from 'electron';
import { contentSecurityPolicyHeader } from '../contract/content-security-policy.js';

export function applySessionPolicy(session: Session): void {
  session.webRequest.onHeadersReceived((details, respond) => {
    respond({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicyHeader] },
    });
  });
  session.setPermissionRequestHandler((_contents, _permission, decide) => decide(false));
  session.setPermissionCheckHandler(() => false);
}
