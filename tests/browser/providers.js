// The account app's sign-in providers and breached-password warning, in Debian's Chromium:
// sign in with a password that has since appeared in breaches (the banner says so), link
// Google (the trip to the provider and back, the notice, the provider's address in the
// list), unlink it, then change the password: a breached one is refused in the form, a
// fresh one makes the banner go.
//   env: STARTER_URL STARTER_LOGIN STARTER_PASSWORD STARTER_BREACHED_PASSWORD
//        STARTER_PROVIDER_EMAIL CHROMIUM ARTIFACTS; NODE_PATH: npm tools
const path = require('node:path');
const { env, type, walk } = require('./chromium');

const url = env('STARTER_URL');

// The provider row of `label` (Google...): [its cells' text].
const providerRow = (page, label) =>
  page.$$eval('#providers tr', (rows, l) => rows.map((r) => [...r.cells].map((c) => c.textContent)).find((cells) => cells[0] === l) ?? null, label);

// Where `selector` stands on the page (not the viewport): [left, top].
const placeOf = (page, selector) =>
  page.$eval(selector, (e) => [e.getBoundingClientRect().left + scrollX, e.getBoundingClientRect().top + scrollY]);

// A slow network for `pattern`: its requests wait `ms` first. Returns what ends it.
async function slowDown(page, pattern, ms) {
  const delay = (request) => setTimeout(() => request.continue(), pattern.test(request.url()) ? ms : 0);
  page.on('request', delay);
  await page.setRequestInterception(true);
  return async () => {
    await page.setRequestInterception(false);
    page.off('request', delay);
  };
}

walk('providers', async (page) => {
  // The second-factor status comes a second after everything else: the account page must
  // not move once drawn (a section filling in late pushed "Link" away from the click).
  const fastAgain = await slowDown(page, /\/api\/users\/@me\/(mfa|passkeys)$/, 1000);

  // Signed in with a password seen in breaches: it works, and the banner asks for a new one.
  await page.goto(`${url}/account#/signin`);
  await type(page, '#signin [name=login]', env('STARTER_LOGIN'));
  await type(page, '#signin [name=password]', env('STARTER_PASSWORD'));
  await page.click('#signin button[type=submit]');
  const banner = await page.waitForSelector('#breached', { visible: true, timeout: 15000 });
  const warning = await banner.evaluate((b) => b.textContent);
  if (!warning.includes('seen 1,234 times')) throw new Error(`the breach banner says: ${warning}`);
  await page.waitForSelector('[data-link="google"]');
  const drawn = await placeOf(page, '[data-link="google"]');
  await page.waitForSelector('#mfa-summary');
  await page.waitForFunction(() => document.querySelector('#activity li'));
  const settled = await placeOf(page, '[data-link="google"]');
  if (drawn.join() !== settled.join()) throw new Error(`"Link" moved from ${drawn} to ${settled} after the page was drawn`);
  await fastAgain();

  // Link Google: to the provider (which consents at once) and back to the app.
  await Promise.all([page.waitForNavigation(), page.click('[data-link="google"]')]);
  await page.waitForFunction(() => document.querySelector('#providers .alert.ok')?.textContent.includes('Google is linked'), {
    timeout: 15000,
  });
  if (new URL(page.url()).search) throw new Error(`the address keeps the flow's query: ${page.url()}`);
  const linked = await providerRow(page, 'Google');
  if (!linked || linked[1] !== env('STARTER_PROVIDER_EMAIL')) throw new Error(`the Google row after linking: ${JSON.stringify(linked)}`);
  await page.waitForSelector('#activity li[data-kind="provider_linked"]');
  await page.screenshot({ path: path.join(env('ARTIFACTS'), 'account-providers.png'), fullPage: true });

  // Unlink it: the password still signs in, so it may go.
  await page.click('[data-unlink="google"]');
  await page.waitForFunction(() => document.querySelector('#providers .alert.ok')?.textContent.includes('Google was unlinked'));
  const unlinked = await providerRow(page, 'Google');
  if (!unlinked || unlinked[1] !== 'not linked') throw new Error(`the Google row after unlinking: ${JSON.stringify(unlinked)}`);

  // A breached new password is refused next to its field; a fresh one ends the warning.
  await type(page, '#password [name=current_password]', env('STARTER_PASSWORD'));
  await type(page, '#password [name=new_password]', env('STARTER_BREACHED_PASSWORD'));
  await page.click('#password button[type=submit]');
  await page.waitForFunction(() => /breaches/.test(document.querySelector('#password [data-error-for="new_password"]')?.textContent ?? ''));
  await type(page, '#password [name=new_password]', `${env('STARTER_PASSWORD')} renewed`);
  await page.click('#password button[type=submit]');
  await page.waitForFunction(() => document.querySelector('.alert.ok')?.textContent.includes('password was changed'));
  if (await page.$('#breached')) throw new Error('the breach banner stayed after the password was changed');
});
