// Test-only OAuth 2.0 / OpenID Connect authorization server for the aps-auth integration tests.
//
// It runs `oidc-provider` configured to look like Autodesk APS Authentication v2 (same endpoint
// paths, scopes and client authentication methods), plus a fake APS user-profile endpoint, fake
// APS resource routes (Data Management and OSS with signed S3 URLs, in resources.mjs) that accept
// only this provider's access tokens, and a few `/__test/*` helper routes. NEVER use it for
// anything but local tests.
//
// Usage: `PORT=0 node server.mjs` (PORT defaults to 0 = a random free port). Listens on 127.0.0.1
// only. When ready it prints exactly one line to stdout:
//
//     LISTENING http://127.0.0.1:<port>
//
// and that URL is the issuer. Nothing else is written to stdout afterwards (diagnostics go to
// stderr). The process exits when its stdin closes (so a killed parent never leaves it running)
// or on SIGTERM / SIGINT.

import http from 'node:http';

import { resourceRoutes } from './resources.mjs';

// oidc-provider prints its NOTICEs with console.info (stdout); keep stdout reserved for the
// LISTENING line. This must run before oidc-provider is loaded (hence the dynamic import below).
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);

const { default: Provider } = await import('oidc-provider');

// ---------------------------------------------------------------------------------------------
// TEST-ONLY SIGNING KEY. Generated once for these tests and committed on purpose so that startup
// does not have to generate keys. It protects nothing; never reuse it anywhere else.
// ---------------------------------------------------------------------------------------------
const TEST_ONLY_SIGNING_KEY = {
  kty: "RSA",
  n: "2hZlW3_-zkDmK71T2R7cSOf5dm_L_1AUkL_JRD3aU48rVEeagyA0ckEvpVINXbT-aOlPNetvZZIgCPFaFXqDn7PJoCEqa8FKaNLQcNi2n2au3OpPQcbnqpcppmVVi41YJQ2ZLH_kkz-YnhODVnnkLUFc-5vVTx7N8xbROSfHHoQExAXXi7gWCTdz7PX_qKCfqC9KjoAtjCf4wxhhwXAGqqIJ-T-B4Q_d3nyLovoMu9ZXgtOhHb4hSL3tLtS_L977R08m_ATbMTht-1hDxrJwfJJJC7HzsJAVrgVFZGaAuXgBZKw7ttBOX5BCFGUCVSOQ1MRffFoCZIDqUpejCnZE7Q",
  e: "AQAB",
  d: "Hj5p2vkSnIbKhLlSRfNuKBwnb8HMQAFagMJgBnsvalQZ9auiZVnTfB7HHT2WRe8CMwlb50XZonPTxnm1_PGLDFwx82d2CxB4obXOmz-qf8uNJ2zFBgGwAevJpl46MUquNSFAIzgvOi5hG1boaVcpCg-c9fWj7L-AXxxEcpEuH3B8wMMNB96SxDgLX0Fc_3PUF0Z1MmqViS7Ft9QlGc9XRoEVfOf_llDUR_imNfdazUq-hBYik0e7z39j_EuTxBeLxmW6d1FEFqURf6yE_w9DzW_6b0qRn-0InLjSJiF0wsdXJkgRDpQXXKsM4Y45bnFEco_PHG03ckkGonan2KfTfw",
  p: "_wKRdNhrAvqpcHG7Fc1QBzshyzYiZRSHGvhAf0RB7NcBAm_Cz3Dv6sBpl4HrXMN-5OzsmRl0dFCPnPDB5rJVKSyOyzDrjtxFVEbJXNcbHZ8Om5yrr56QgIlhZ7rNP6i6jnaQM_iLDV4uVFxbwSzpkRSmGEikeuyKaOkZR-UVNAs",
  q: "2u8iOhXMvVlfc0Fo52IWQmZOJH6cHngZOo8eOIq3WC4CH3cxVczpKUZpbDCPzKspVCtiCLkrqSHVvcfPjUdLCghYB7ZRm4qP3MWyleG9TB0NYLKrJYI9wt2lWSoC22cDnbomBSlt8YmlJhtvqF9Cm3cLbeIkFw1dKgI80NInTec",
  dp: "f0kA4ZnEkFAdkwqxn0hD0dgqHgx_ToTYixWu29duMJGA535xdqmgl0RDcGRg3oSWKh44WpLiFczAYk2p-0S4TTz4aWOZsE0yLcbHa5fS6Q4jdHjXGWnEJuRrwiLzn_rQY5u6jrZYceu4pFMVWW7ZhpkP7r8TmmfHDmaLP9-QndE",
  dq: "iCkHeWaLcgu-cFjy3EzFmUA1Qz8260A4OJI_8lxbUM00ZstjdIA_VntDH5VIKbsdtgpRKym2vLadTy2QqMX5JmEwFoPOV1UiyeRugAboCwlag5Q7GtXYgXQF3OFi638y4YqfEMDGbtzzSDLyC55LN5MfGZT2axvVoEXJ-vlolms",
  qi: "z9btrDq8Qm8DKH7AOfIaplhshvRGXT7ok6EouYFTChCZHhg5-v5JsvQCiKzp810mLdGmQht_JVM0LagpG6Ms7EnyKELFyp5FxA5i-9AuYwICuAgttOqPacWK9fsmNhP-Go25jHSYNguBlIhRLQ65aki7PTD9HyGkVX_tB9zCL3w",
  kid: "aps-auth-test-only-rs256",
  use: "sig",
  alg: "RS256"
};

/** The APS Authentication v2 scopes. */
const APS_SCOPES = [
  'data:read', 'data:write', 'data:create', 'data:search',
  'bucket:create', 'bucket:read', 'bucket:update', 'bucket:delete',
  'code:all', 'account:read', 'account:write', 'user-profile:read',
];
const ALL_SCOPES = [...APS_SCOPES, 'openid', 'offline_access'];
const CLIENT_SCOPE = ALL_SCOPES.join(' ');

/** Base path of the APS-style endpoints. */
const AUTH = '/authentication/v2';

// Loopback redirect URI; `application_type: 'native'` makes oidc-provider ignore the port
// (RFC 8252 section 7.3), so http://127.0.0.1:<any port>/callback is accepted too.
const REDIRECT_URI = 'http://127.0.0.1/callback';

const CODE_FLOW = {
  grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: [REDIRECT_URI],
};

const clients = [
  {
    client_id: 'basic-client',
    client_secret: 'basic-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    ...CODE_FLOW,
  },
  {
    client_id: 'post-client',
    client_secret: 'post-secret',
    token_endpoint_auth_method: 'client_secret_post',
    ...CODE_FLOW,
  },
  {
    // A secret full of characters that must be form-urlencoded before base64 (RFC 6749 2.3.1).
    client_id: 'weird-client',
    client_secret: 's3cr+t/:%&= x',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: 'public-client',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
].map((client) => ({ application_type: 'native', scope: CLIENT_SCOPE, ...client }));

/** Public clients may only introspect / revoke their own tokens; confidential clients any. */
function ownTokensForPublicClients(ctx, client, token) {
  return client.clientAuthMethod !== 'none' || token.clientId === client.clientId;
}

/** Counters of POST requests to the token endpoint, by grant_type. */
const counts = { token: {} };
function resetTokenCounts() {
  counts.token = { client_credentials: 0, authorization_code: 0, refresh_token: 0 };
}
resetTokenCounts();

/** Sends a JSON response from a Koa middleware. */
function json(ctx, status, body) {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = JSON.stringify(body);
}

// Bind first: the issuer contains the port, which is only known once the socket is bound.
let handler = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const server = http.createServer((req, res) => handler(req, res));
server.keepAliveTimeout = 1000;
const port = await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => resolve(server.address().port));
});
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients,
  clientDefaults: {
    id_token_signed_response_alg: 'RS256',
  },
  jwks: { keys: [TEST_ONLY_SIGNING_KEY] },
  cookies: { keys: ['aps-auth-test-only-cookie-key'] },
  routes: {
    authorization: `${AUTH}/authorize`,
    token: `${AUTH}/token`,
    revocation: `${AUTH}/revoke`,
    introspection: `${AUTH}/introspect`,
    jwks: `${AUTH}/keys`,
    end_session: `${AUTH}/logout`,
    userinfo: '/userinfo',
  },
  scopes: ALL_SCOPES,
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: ownTokensForPublicClients },
    revocation: { enabled: true, allowedPolicy: ownTokensForPublicClients },
    devInteractions: { enabled: true },
    // Enabled by default in oidc-provider 9; without a `resource` parameter tokens are opaque
    // and scopes are echoed as requested.
    resourceIndicators: { enabled: true },
  },
  // PKCE (S256, the only method oidc-provider 9 supports) for every authorization code request.
  pkce: { required: () => true },
  rotateRefreshToken: true,
  // APS issues refresh tokens to any client allowed the refresh_token grant; offline_access is
  // not needed.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: 3600,
    ClientCredentials: 3600,
    AuthorizationCode: 600,
    Grant: 14 * 24 * 3600,
    IdToken: 3600,
    Interaction: 3600,
    RefreshToken: 14 * 24 * 3600,
    Session: 14 * 24 * 3600,
  },
  // Keep the default (accountId-only) claims.
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
});

// Quiet by default: a failing server_error is worth a line on stderr.
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err));

// The APS resource routes (Data Management, OSS, signed S3 URLs), with their own counters.
const resources = resourceRoutes({ provider, issuer });
function resetCounts() {
  resetTokenCounts();
  resources.resetCounts();
}

// Test helper routes, the fake APS profile endpoint and the token-endpoint counters. These run
// before oidc-provider's own router.
provider.use(async (ctx, next) => {
  const path = decodeURIComponent(ctx.path);

  if (path === '/__test/counts' && ctx.method === 'GET') {
    json(ctx, 200, counts);
    return;
  }
  if (path === '/__test/resource-counts' && ctx.method === 'GET') {
    json(ctx, 200, resources.counts);
    return;
  }
  if (path === '/__test/reset' && ctx.method === 'POST') {
    resetCounts();
    json(ctx, 200, counts);
    return;
  }

  if (path === '/userprofile/v1/users/@me' && ctx.method === 'GET') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization') || '');
    const token = match ? await provider.AccessToken.find(match[1]) : undefined;
    if (!token || token.isExpired) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      json(ctx, 401, {
        developerMessage: 'The Authorization header is missing, or the token is invalid or expired.',
        errorCode: 'AUTH-001',
        moreInfo: 'https://aps.autodesk.com/en/docs/oauth/v2/developers_guide/error_handling/',
      });
      return;
    }
    const id = token.accountId;
    json(ctx, 200, {
      userId: id,
      userName: id,
      emailId: `${id}@example.com`,
      firstName: 'Test',
      lastName: 'User',
      emailVerified: true,
      '2FaEnabled': false,
      profileImages: { sizeX20: 'https://example.invalid/20.png' },
    });
    return;
  }

  const isTokenRequest = ctx.method === 'POST' && ctx.path === `${AUTH}/token`;
  try {
    await next();
  } finally {
    if (isTokenRequest) {
      // oidc-provider has parsed the form body into ctx.oidc.body by now (also on errors).
      const grantType = String(ctx.oidc?.body?.grant_type ?? ctx.oidc?.params?.grant_type ?? 'unknown');
      counts.token[grantType] = (counts.token[grantType] ?? 0) + 1;
    }
  }
});

// The resource routes answer their own paths and pass everything else on.
provider.use(resources.middleware);

handler = provider.callback();

function shutdown() {
  server.closeAllConnections?.();
  server.close();
  process.exit(0);
}
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

process.stdout.write(`LISTENING ${issuer}\n`);
