// The account app as a newcomer uses it, in Debian's Chromium: sign up with the code read
// from the development mailbox, sign out and in again, revoke another session, change the
// password, set up an authenticator app (codes from Debian's oathtool, as the phone would
// show them) and sign in with a recovery code, add a passkey (Chromium's virtual
// authenticator standing in for a laptop's fingerprint reader), rename it, sign in with it
// alone and as the second factor, and remove it; sign out everywhere else, download the
// account's data, delete the account and keep it by signing in. Screenshots go to ARTIFACTS (account.png is
// the README's picture).
//   env: STARTER_URL STARTER_EMAIL STARTER_USERNAME STARTER_PASSWORD CHROMIUM ARTIFACTS; NODE_PATH: npm tools
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { addAuthenticator, env, type, walk } = require('./chromium');

const url = env('STARTER_URL');
const email = env('STARTER_EMAIL');
const username = env('STARTER_USERNAME');
const password = env('STARTER_PASSWORD');

async function heading(page, text) {
  await page.waitForFunction((t) => document.querySelector('h1')?.textContent === t, { timeout: 15000 }, text);
}

// The newest code mailed to `to`, read from /dev/mail as a person would.
async function codeFromMailbox(browser, to) {
  const mailbox = await browser.newPage();
  try {
    for (let i = 0; i < 100; i++) {
      await mailbox.goto(`${url}/dev/mail`);
      const code = await mailbox.evaluate((address) => {
        const article = document.querySelector(`article[data-to="${address}"]`);
        return article?.querySelector('h2')?.textContent.match(/\d{8}/)?.[0] ?? null;
      }, to);
      if (code) return code;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no code for ${to} at /dev/mail`);
  } finally {
    await mailbox.close();
  }
}

walk('account', async (page, browser) => {
  // Sign up: the email, the code from the mailbox, a username and a password.
  await page.goto(`${url}/account#/signup`);
  await type(page, '#request [name=email]', email);
  await page.click('#request button[type=submit]');
  await page.waitForSelector('#step2:not([hidden])');
  const code = await codeFromMailbox(browser, email);
  await type(page, '#register [name=email_verification_code]', code);
  await type(page, '#register [name=username]', username);
  await type(page, '#register [name=password]', 'short');  // the meter says so, live
  await page.waitForFunction(() => document.querySelector('#register .hint')?.textContent.startsWith('Too easy'));
  await type(page, '#register [name=password]', password);
  await page.click('#register button[type=submit]');
  await heading(page, `Hello, ${username}`);
  await page.screenshot({ path: path.join(env('ARTIFACTS'), 'account.png'), fullPage: true });

  // Emails in German from now on: the choice is saved on the account.
  await page.select('#username [name=locale]', 'de');
  await page.click('#username button[type=submit]');
  await page.waitForFunction(() => document.querySelector('.alert.ok')?.textContent === 'Saved.');
  const me = await page.evaluate(() =>
    fetch('/api/users/@me', { headers: { Authorization: `Bearer ${sessionStorage.getItem('starter.token')}` } }).then((r) => r.json()),
  );
  if (me.locale !== 'de') throw new Error(`the language was not saved: ${JSON.stringify(me)}`);

  // A wrong password is shown next to the field, and the right one signs in.
  await page.click('#signout');
  await page.waitForSelector('#signin');
  await type(page, '#signin [name=login]', username);
  await type(page, '#signin [name=password]', `${password} wrong`);
  await page.click('#signin button[type=submit]');
  await page.waitForFunction(() => {
    const alert = document.querySelector('#signin .alert.error');
    return alert && !alert.hidden && alert.textContent.length > 0;
  });
  await type(page, '#signin [name=password]', password);
  await page.click('#signin button[type=submit]');
  await heading(page, `Hello, ${username}`);

  // Another device signs in; its session is revoked from the app and stops working.
  const other = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0' },
    body: JSON.stringify({ login: email, password }),
  }).then((r) => r.json());
  await page.reload();
  await heading(page, `Hello, ${username}`);
  const revoke = await page.waitForSelector('[data-revoke]');
  const sessionId = await revoke.evaluate((b) => b.getAttribute('data-revoke'));
  const before = await page.$$eval('#sessions tr', (rows) => rows.length);
  await revoke.click();
  await page.waitForFunction((id) => !document.querySelector(`[data-session="${id}"]`), {}, sessionId);
  const after = await page.$$eval('#sessions tr', (rows) => rows.length);
  if (after !== before - 1) throw new Error(`revoking left ${after} of ${before} rows`);
  const refused = await fetch(`${url}/api/users/@me`, { headers: { Authorization: `Bearer ${other.authentication_token}` } });
  if (refused.status !== 401) throw new Error(`the revoked session still answers ${refused.status}`);

  // Change the password.
  await type(page, '#password [name=current_password]', password);
  await type(page, '#password [name=new_password]', `${password} again`);
  await page.click('#password button[type=submit]');
  await page.waitForFunction(() => document.querySelector('.alert.ok')?.textContent.includes('password was changed'));
  // The security activity lists it, with the revoked session and the failed sign-in.
  await page.waitForFunction(() =>
    ['password_changed', 'session_revoked', 'sign_in_failed', 'registered'].every((k) =>
      document.querySelector(`#activity li[data-kind="${k}"]`),
    ),
  );
  await page.screenshot({ path: path.join(env('ARTIFACTS'), 'account-after.png'), fullPage: true });

  // An authenticator app: the key shown, the code it makes, ten recovery codes.
  await page.click('#start-totp');
  const secretNode = await page.waitForSelector('#totp-secret');
  const secret = await secretNode.evaluate((n) => n.textContent);
  const totp = execFileSync('oathtool', ['--totp', '-b', secret]).toString().trim();
  await type(page, '#confirm-totp [name=code]', totp);
  await page.click('#confirm-totp button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#recovery-codes li').length === 10);
  const recoveryCodes = await page.$$eval('#recovery-codes li code', (cs) => cs.map((c) => c.textContent));
  const recovery = recoveryCodes[0];
  await page.screenshot({ path: path.join(env('ARTIFACTS'), 'account-mfa.png'), fullPage: true });

  // Signing in now asks for the second factor; a recovery code does it, once.
  await page.click('#signout');
  await type(page, '#signin [name=login]', email);
  await type(page, '#signin [name=password]', `${password} again`);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#mfa [name=recovery_code]', { visible: true });
  await type(page, '#mfa [name=recovery_code]', recovery);
  await page.click('#mfa button[type=submit]');
  await heading(page, `Hello, ${username}`);
  await page.waitForFunction(() => document.querySelector('#mfa-status')?.textContent.includes('9 left'));

  // A passkey: the browser's authenticator makes it, the app lists it under the given name.
  const { cdp, authenticatorId } = await addAuthenticator(page);
  await type(page, '#add-passkey [name=name]', 'Test laptop');
  await page.click('#add-passkey button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#passkeys td')?.textContent === 'Test laptop');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  if (credentials.length !== 1 || !credentials[0].isResidentCredential)
    throw new Error(`the authenticator holds ${JSON.stringify(credentials)}`);
  page.once('dialog', (d) => d.accept('Work laptop'));
  await page.click('[data-rename]');
  await page.waitForFunction(() => document.querySelector('#passkeys td')?.textContent === 'Work laptop');
  await page.screenshot({ path: path.join(env('ARTIFACTS'), 'account-passkeys.png'), fullPage: true });

  // Signing in with the passkey alone: no username, no password.
  await page.click('#signout');
  await page.waitForSelector('#passkey-signin button', { visible: true });
  await page.click('#passkey-signin button');
  await heading(page, `Hello, ${username}`);
  await page.waitForFunction(() => {
    const lastUsed = document.querySelectorAll('#passkeys td')[2]?.textContent;
    return lastUsed !== undefined && lastUsed !== 'never';
  });

  // The passkey as the second factor of a password sign-in.
  await page.click('#signout');
  await type(page, '#signin [name=login]', username);
  await type(page, '#signin [name=password]', `${password} again`);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#mfa-passkey button', { visible: true });
  await page.click('#mfa-passkey button');
  await heading(page, `Hello, ${username}`);

  // Removed from the account; the authenticator app still guards it.
  await page.waitForSelector('[data-remove]');
  await page.click('[data-remove]');
  await page.waitForFunction(() => !document.querySelector('#passkeys') && document.querySelector('#remove-totp'));

  // Sign out everywhere else: another device's session ends, this one stays.
  const elsewhere = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: email, password: `${password} again` }),
  }).then((r) => r.json());
  if (!elsewhere.mfa_ticket) throw new Error(`the other device was not asked for a second factor: ${JSON.stringify(elsewhere)}`);
  const other2 = await fetch(`${url}/api/auth/login/mfa`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ mfa_ticket: elsewhere.mfa_ticket, recovery_code: recoveryCodes[1] }),
  }).then((r) => r.json());
  if (!other2.authentication_token) throw new Error(`the other device could not sign in: ${JSON.stringify(other2)}`);
  await page.click('#revoke-others');
  await page.waitForFunction(() => document.querySelector('#revoke-step')?.textContent.includes('ended'));
  const ended = await fetch(`${url}/api/users/@me`, { headers: { Authorization: `Bearer ${other2.authentication_token}` } });
  if (ended.status !== 401) throw new Error(`the other session still answers ${ended.status}`);
  await page.waitForSelector('#activity li[data-kind="other_sessions_revoked"]');
  await page.screenshot({ path: path.join(env('ARTIFACTS'), 'account-activity.png'), fullPage: true });

  // Download my data: the export is fetched (a recent sign-in: no question asked) and saved.
  await page.click('#export');
  await page.waitForFunction(() => document.querySelector('#export-step')?.textContent.includes('Downloaded'));

  // Delete the account: signed out at once, told when it goes; signing in again keeps it.
  page.once('dialog', (d) => d.accept());
  await page.click('#delete-account');
  await page.waitForSelector('#deleted');
  const told = await page.$eval('#deleted', (p) => p.textContent);
  if (!told.includes('Sign in before then')) throw new Error(`after deleting: ${told}`);
  await page.goto(`${url}/account#/signin`);
  await type(page, '#signin [name=login]', username);
  await type(page, '#signin [name=password]', `${password} again`);
  await page.click('#signin button[type=submit]');
  await type(page, '#mfa [name=recovery_code]', recoveryCodes[2]);
  await page.click('#mfa button[type=submit]');
  await heading(page, `Hello, ${username}`);
  await page.waitForSelector('#activity li[data-kind="account_deletion_cancelled"]');
});
