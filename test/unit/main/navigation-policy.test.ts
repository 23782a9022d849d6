import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppUrl, isSafeExternalUrl } from '../../../electron/main/navigation-policy.js';

const rendererDir = 'file:///opt/FRA%20Workbench/resources/app.asar/dist/renderer';

describe('Electron navigation policy', () => {
  it('allows only the bundled renderer files', () => {
    assert.equal(isAppUrl(`${rendererDir}/index.html`, rendererDir), true);
    assert.equal(isAppUrl(`${rendererDir}/index.html#runs`, rendererDir), true);
    assert.equal(isAppUrl(`${rendererDir}/../secrets.json`, rendererDir), false);
    assert.equal(isAppUrl(`${rendererDir}-evil/index.html`, rendererDir), false);
    assert.equal(isAppUrl('file:///etc/passwd', rendererDir), false);
    assert.equal(isAppUrl('https://example.com/', rendererDir), false);
    assert.equal(isAppUrl('not a url', rendererDir), false);
  });

  it('hands only web links to the system browser', () => {
    assert.equal(isSafeExternalUrl('https://arxiv.org/abs/2403.00000'), true);
    assert.equal(isSafeExternalUrl('http://example.com'), true);
    assert.equal(isSafeExternalUrl('file:///etc/passwd'), false);
    assert.equal(isSafeExternalUrl('javascript:alert(1)'), false);
    assert.equal(isSafeExternalUrl('smb://server/share'), false);
  });
});
