// What the browser scripts share: Debian's Chromium started headless, and a virtual
// authenticator (DevTools WebAuthn domain) standing in for a laptop's fingerprint reader:
// it keeps discoverable credentials, verifies its user and answers without a touch.
const puppeteer = require('puppeteer-core');

function launch(executablePath) {
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

// Adds the authenticator to `page`; returns the DevTools session and its id.
async function addAuthenticator(page) {
  const cdp = await page.createCDPSession();
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

module.exports = { launch, addAuthenticator };
