// Real WebAuthn ceremonies: Debian's Chromium with a virtual authenticator (DevTools
// WebAuthn domain) calls navigator.credentials.create/get from a page on the server's own
// origin, against its API: registration, passwordless sign-in, and the passkey as the
// second factor of a password sign-in. Prints nothing; writes what happened, with each
// ceremony's options and the browser's response, to OUT (JSON).
//   env: STARTER_URL STARTER_TOKEN STARTER_EMAIL STARTER_PASSWORD CHROMIUM OUT; NODE_PATH: npm tools
const { writeFileSync } = require('node:fs');
const { launch, addAuthenticator } = require('./chromium');

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};

async function main() {
  const browser = await launch(env('CHROMIUM'));
  const results = {};
  try {
    const page = await browser.newPage();
    // Any page of the server's origin will do; API answers forbid scripts to fetch (CSP
    // default-src 'none'), which a real front end's page would not.
    await page.setBypassCSP(true);
    await page.goto(`${env('STARTER_URL')}/api/health`);
    await addAuthenticator(page);
    await page.evaluate(() => {
      window.api = async (path, body, token) => {
        const headers = { 'Content-Type': 'application/json' };
        if (token) headers.Authorization = `Bearer ${token}`;
        const r = await fetch(path, { method: 'POST', headers, body: body === undefined ? '' : JSON.stringify(body) });
        const text = await r.text();
        return { status: r.status, body: text ? JSON.parse(text) : null };
      };
    });

    results.registration = await page.evaluate(async (token) => {
      const options = await window.api('/api/users/@me/passkeys/options', undefined, token);
      const created = await navigator.credentials.create({
        publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.body),
      });
      const response = created.toJSON();
      const added = await window.api('/api/users/@me/passkeys', { name: 'Chromium', credential: response }, token);
      return { options: options.body, response, status: added.status, answer: added.body };
    }, env('STARTER_TOKEN'));

    results.passwordless = await page.evaluate(async () => {
      const options = await window.api('/api/auth/passkey/options', {});
      const got = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.body) });
      const response = got.toJSON();
      const signed = await window.api('/api/auth/passkey/login', { credential: response });
      return { options: options.body, response, status: signed.status, answer: signed.body };
    });

    results.second_factor = await page.evaluate(async (login, password) => {
      const first = await window.api('/api/auth/login', { login, password });
      const ticket = first.body.mfa_ticket;
      const options = await window.api('/api/auth/passkey/options', { mfa_ticket: ticket });
      const got = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.body) });
      const response = got.toJSON();
      const done = await window.api('/api/auth/login/mfa', { mfa_ticket: ticket, passkey: response });
      return { first: first.body, options: options.body, response, status: done.status, answer: done.body };
    }, env('STARTER_EMAIL'), env('STARTER_PASSWORD'));
  } finally {
    await browser.close();
  }
  writeFileSync(env('OUT'), JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
