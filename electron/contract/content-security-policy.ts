// One Content-Security-Policy for every way the renderer is loaded (Electron file://, local server),
// so tightening it once tightens it everywhere. No inline scripts or styles: the Vite build emits
// only external files, and Vue's style bindings go through CSSOM, which CSP does not restrict.
const directives: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' data: blob:"],
  ['font-src', "'self' data:"],
  // 'self' also covers ws:// to the same host and port (CSP level 3), used by the browser host's event socket.
  ['connect-src', "'self'"],
  ['worker-src', "'self' blob:"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

/** For a `<meta http-equiv>` tag, where `frame-ancestors` is not allowed. */
export const contentSecurityPolicyForMeta = directives.map(([name, value]) => `${name} ${value}`).join('; ');

/** For an HTTP response header. */
export const contentSecurityPolicyHeader = `${contentSecurityPolicyForMeta}; frame-ancestors 'none'`;
