// Which URLs the app window may show, and which may be handed to the system browser.
// Pure functions (no Electron import) so the policy is unit-tested without a window.

/** True for the renderer's own files (file:// under the renderer folder); fragments and queries allowed. */
export function isAppUrl(url: string, rendererDirUrl: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const base = rendererDirUrl.endsWith('/') ? rendererDirUrl : `${rendererDirUrl}/`;
  // Compare the normalised path (URL parsing resolves "..") so "file:///app/renderer/../secret" does not pass.
  return parsed.protocol === 'file:' && `file://${parsed.host}${parsed.pathname}`.startsWith(base);
}

/** Links the user clicks (docs, papers) open in the default browser, but only plain web links. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
