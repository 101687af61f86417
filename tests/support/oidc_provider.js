// A real OpenID Provider for the tests: panva's oidc-provider (an OpenID-certified
// implementation) on a loopback port, with one confidential client (PKCE required) and
// its development login and consent pages, which a test's browser fills in.
//
//   node tests/support/oidc_provider.js CLIENT_ID CLIENT_SECRET REDIRECT_URI ALG
//
// It listens on a port the system chooses (a port picked beforehand by the test could be
// taken by another test before this process, slow to load, binds it) and prints
// "ready PORT" once listening; its issuer is http://127.0.0.1:PORT.
//
// ALG (ES256 or RS256) signs the ID tokens with a key made at start. Whoever signs in as
// "<name>" is <name>@example.com; the address is verified unless the name starts with
// "unverified". The email is a userinfo claim (the ID token of a code flow carries none,
// as this provider conforms to OpenID Connect Core 5.4).
const { Provider } = require('oidc-provider');
const { generateKeyPairSync } = require('node:crypto');
const http = require('node:http');
// Each stage is printed, so that a provider which never gets ready shows where it stopped.
console.error('oidc-provider: modules loaded');

const [clientId, clientSecret, redirectUri, alg] = process.argv.slice(2);
const { privateKey } = alg === 'RS256'
  ? generateKeyPairSync('rsa', { modulusLength: 2048 })
  : generateKeyPairSync('ec', { namedCurve: 'P-256' });
console.error(`oidc-provider: ${alg} key made`);
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: `test-${alg.toLowerCase()}`, alg, use: 'sig' };

function provider(port) {
  const op = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg,
    }],
    jwks: { keys: [jwk] },
    enabledJWA: { idTokenSigningAlgValues: ['ES256', 'RS256'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['starter-test-cookie-key'] },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: `${id}@example.com`, email_verified: !id.startsWith('unverified'), name: `Test ${id}` };
        },
      };
    },
  });
  // Errors the provider hides behind its error page go to the test log.
  op.on('server_error', (ctx, err) => console.error('oidc-provider:', err));
  return op;
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  server.on('request', provider(port).callback());
  console.log(`ready ${port}`);
});
