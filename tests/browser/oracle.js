// A second opinion on recorded WebAuthn ceremonies: npm @simplewebauthn/server verifies
// each one, as recorded and altered in ways a verifier must refuse, and writes every case
// with its verdict to OUT, for our own verifier to be held to the same answers.
//   env: IN (the JSON passkeys.js wrote)  OUT  STARTER_URL (the expected origin); NODE_PATH: npm tools
const { readFileSync, writeFileSync } = require('node:fs');
const { verifyAuthenticationResponse, verifyRegistrationResponse } = require('@simplewebauthn/server');

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};
const recorded = JSON.parse(readFileSync(env('IN'), 'utf8'));
const origin = env('STARTER_URL');
const rpID = 'localhost';
const bytes = (b64url) => Buffer.from(b64url, 'base64url');
const b64url = (buffer) => Buffer.from(buffer).toString('base64url');

const flip = (field, index) => (r) => {
  const b = bytes(r.response[field]);
  b[index % b.length] ^= 0x01;
  return { ...r, response: { ...r.response, [field]: b64url(b) } };
};
const clientData = (change) => (r) => {
  const cd = JSON.parse(bytes(r.response.clientDataJSON).toString('utf8'));
  change(cd);
  return { ...r, response: { ...r.response, clientDataJSON: b64url(Buffer.from(JSON.stringify(cd))) } };
};
const same = (r) => r;

const cases = [];
async function verdict(run) {
  try {
    return (await run()).verified === true;
  } catch {
    return false;
  }
}

async function main() {
  // Registration.
  const reg = recorded.registration;
  const challenge = reg.options.challenge;
  const registrationCases = [
    ['registration as recorded', same, challenge],
    ['registration for another challenge', same, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['registration from another origin', clientData((cd) => (cd.origin = 'https://evil.example')), challenge],
    ['registration with an assertion type', clientData((cd) => (cd.type = 'webauthn.get')), challenge],
    ['registration with an altered attestation object', flip('attestationObject', 40), challenge],
  ];
  let publicKey = null;
  for (const [name, alter, expectedChallenge] of registrationCases) {
    const response = alter(reg.response);
    const accepted = await verdict(async () => {
      const result = await verifyRegistrationResponse({
        response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false,
      });
      if (name === 'registration as recorded' && result.verified) publicKey = b64url(result.registrationInfo.credential.publicKey);
      return result;
    });
    cases.push({ name, kind: 'registration', challenge: expectedChallenge, require_user_verification: false, response, accepted });
  }
  if (!publicKey) throw new Error('the oracle refused the recorded registration');

  // Assertions: the passwordless one (user verification required) and the second factor.
  for (const [label, ceremony, requireUV] of [['passwordless', recorded.passwordless, true], ['second factor', recorded.second_factor, false]]) {
    const expected = ceremony.options.challenge;
    const assertionCases = [
      [`${label} as recorded`, same, expected],
      [`${label} for another challenge`, same, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      [`${label} with an altered signature`, flip('signature', 20), expected],
      [`${label} for another relying party`, flip('authenticatorData', 0), expected],
      [`${label} from another origin`, clientData((cd) => (cd.origin = 'https://evil.example')), expected],
      [`${label} with a registration type`, clientData((cd) => (cd.type = 'webauthn.create')), expected],
    ];
    for (const [name, alter, expectedChallenge] of assertionCases) {
      const response = alter(ceremony.response);
      const accepted = await verdict(() =>
        verifyAuthenticationResponse({
          response, expectedChallenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: requireUV,
          credential: { id: response.id, publicKey: bytes(publicKey), counter: 0 },
        }));
      cases.push({
        name, kind: 'assertion', challenge: expectedChallenge, require_user_verification: requireUV, public_key: publicKey, response, accepted,
      });
    }
  }
  writeFileSync(env('OUT'), JSON.stringify(cases, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
