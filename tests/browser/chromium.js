// What the browser scripts share: Debian's Chromium started headless, a virtual
// authenticator (DevTools WebAuthn domain) standing in for a laptop's fingerprint reader
// (it keeps discoverable credentials, verifies its user and answers without a touch), and
// a walk through pages that reports what went wrong.
const path = require('node:path');
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

// An environment variable the script cannot do without.
function env(name) {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
}

// Empties a field and types into it, as a person would.
async function type(page, selector, text) {
  await page.waitForSelector(selector, { visible: true });
  await page.$eval(selector, (input) => {
    input.value = '';
  });
  await page.type(selector, text);
}

// Runs `steps(page, browser)` on a new page of a headless Chromium (CHROMIUM). An error
// the page's scripts throw fails the run; on failure the page is saved to
// ARTIFACTS/<name>-failure.png, what it showed is printed, and the process exits 1.
function walk(name, steps) {
  (async () => {
    const browser = await launch(env('CHROMIUM'));
    const errors = [];
    let page;
    try {
      page = await browser.newPage();
      await page.setViewport({ width: 1100, height: 900 });
      page.on('pageerror', (e) => errors.push(e.message));  // a script error (refused requests are expected)
      await steps(page, browser);
      if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
    } catch (e) {
      if (page) {
        await page.screenshot({ path: path.join(env('ARTIFACTS'), `${name}-failure.png`), fullPage: true }).catch(() => {});
        const shown = await page.evaluate(() => `${location.href}\n${document.querySelector('main')?.innerText}`).catch(() => '');
        console.error(`The page showed: ${shown}\nPage errors: ${errors.join('; ')}`);
      }
      throw e;
    } finally {
      await browser.close();
    }
  })().catch((e) => {
    console.error(e.stack || String(e));
    process.exit(1);
  });
}

module.exports = { launch, addAuthenticator, env, type, walk };
