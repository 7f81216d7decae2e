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
//
// Beyond plain APS Authentication v2:
//
// - `jwt-client` gets RS256 JWT access tokens (resource indicator / `aud`
//   `https://developer.api.autodesk.com`, header `kid` of the current signing key); every other
//   client gets opaque ones.
// - `ssa-client` may use the JWT-bearer grant (RFC 7523) of APS Secure Service Accounts, with
//   assertions signed by the test-only key tests/keys/jwt/ssa-test-only.pem (checks in jwt.mjs).
// - `POST /__test/rotate-keys[?keep_old=1]` rotates the signing key. oidc-provider reads its keys
//   once, at construction, so this builds a new Provider in this process (same HTTP server,
//   issuer, counters, resource-route state and in-memory storage: sessions, grants and opaque
//   tokens survive; ID tokens signed by a dropped key no longer work as id_token_hint). The JWKS
//   (`GET /authentication/v2/keys`, `Cache-Control: public, max-age=60`) is served by this file.
// - `GET /__test/foreign`: what reached the second listener of paging.mjs (the other origin of
//   the hostile next links): `{url, requests, authorization}`.
// - `POST /__test/s3-faults` (a JSON array) scripts faults of the fake S3 behind the signed URLs,
//   `GET /__test/s3-stats` reads its counters (PUTs per part, GETs per range start): s3.mjs.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import {
  checkJwtBearerAssertion, generateSigningKey, now, publicJwk, verifyAccessTokenJwt,
} from './jwt.mjs';
import { resourceRoutes } from './resources.mjs';

// oidc-provider prints its NOTICEs with console.info (stdout); keep stdout reserved for the
// LISTENING line. This must run before oidc-provider is loaded (hence the dynamic import below).
console.log = (...args) => console.error(...args);
console.info = (...args) => console.error(...args);

const { default: Provider, errors } = await import('oidc-provider');
// oidc-provider's own in-memory adapter (deep import; the version is pinned by the lockfile).
// One store for every Provider this process builds, so that a key rotation (a new Provider)
// keeps sessions, grants and tokens; by default each Provider gets its own store.
const { createMemoryAdapter } = await import('oidc-provider/lib/adapters/memory_adapter.js');
const sharedAdapter = createMemoryAdapter();

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

/**
 * Lifetime of opaque access tokens in seconds: `APS_TEST_ACCESS_TOKEN_TTL` (a positive integer;
 * the browser tests make it short so that refreshes happen while browsing), else 3600.
 */
const ACCESS_TOKEN_TTL = Number.parseInt(process.env.APS_TEST_ACCESS_TOKEN_TTL ?? '', 10) > 0
  ? Number.parseInt(process.env.APS_TEST_ACCESS_TOKEN_TTL, 10)
  : 3600;

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

/** The confidential client whose access tokens are RS256 JWTs (audience JWT_AUDIENCE). */
const JWT_CLIENT_ID = 'jwt-client';
/** Resource indicator and `aud` of JWT_CLIENT_ID's JWT access tokens. */
const JWT_AUDIENCE = 'https://developer.api.autodesk.com';
/** The JWT-bearer grant type (RFC 7523), as APS Secure Service Accounts use it. */
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** The confidential client allowed the JWT-bearer grant. */
const SSA_CLIENT_ID = 'ssa-client';
/** `max-age` of the JWKS's Cache-Control header, in seconds. */
const JWKS_MAX_AGE = 60;

// ---------------------------------------------------------------------------------------------
// TEST-ONLY service account key: the public half of tests/keys/jwt/ssa-test-only.pem (committed on
// purpose as a test fixture, the one copy the Rust tests sign with too), derived here at start.
// It protects nothing; never reuse it anywhere else.
// ---------------------------------------------------------------------------------------------
const SERVICE_ACCOUNTS = [
  {
    id: 'ssa-account-1',
    clientId: SSA_CLIENT_ID,
    kid: 'ssa-kid-1',
    scopes: APS_SCOPES,
    publicKeyPem: crypto
      .createPublicKey(fs.readFileSync(new URL('../keys/jwt/ssa-test-only.pem', import.meta.url)))
      .export({ type: 'spki', format: 'pem' }),
  },
];

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
  {
    client_id: JWT_CLIENT_ID,
    client_secret: 'jwt-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    ...CODE_FLOW,
  },
  {
    client_id: SSA_CLIENT_ID,
    client_secret: 'ssa-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: [JWT_BEARER, 'client_credentials'],
    response_types: [],
    redirect_uris: [],
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

/** Public JWKs of the JWKS (`GET /authentication/v2/keys`), the current signing key first. */
let publishedKeys = [publicJwk(TEST_ONLY_SIGNING_KEY)];
/** Number of `/__test/rotate-keys` calls so far (part of the new kids). */
let rotations = 0;

/**
 * Kinds of the JWT access tokens issued so far, by `jti`: `{ kind: 'user' | 'app', grantId }`.
 * JWT access tokens are not stored by oidc-provider; the resource routes need the kind.
 */
const jwtAccessTokens = new Map();

/**
 * The current provider. Replaced by `/__test/rotate-keys` (oidc-provider reads `jwks` once, at
 * construction); every Provider uses `sharedAdapter`, so sessions, grants and opaque tokens
 * survive a rotation.
 */
let provider;

// The resource routes always see the current provider.
const currentProvider = new Proxy({}, { get: (_target, key) => Reflect.get(provider, key) });

/**
 * The provider's JWT access token `value` (signature by a key of the JWKS, `iss`, `exp`), as a
 * token-like object for the resource routes, or undefined.
 */
async function findJwtAccessToken(value) {
  const payload = verifyAccessTokenJwt(value, publishedKeys, issuer);
  const issued = payload && jwtAccessTokens.get(payload.jti);
  if (!issued) return undefined;
  const token = {
    clientId: payload.client_id,
    accountId: issued.kind === 'user' ? payload.sub : undefined,
    grantId: issued.grantId,
    scopes: new Set(String(payload.scope ?? '').split(' ').filter(Boolean)),
    isExpired: payload.exp <= now(),
    exp: payload.exp,
  };
  if (issued.kind === 'user') {
    const grant = await provider.Grant.find(issued.grantId);
    if (!grant || grant.clientId !== token.clientId || grant.accountId !== token.accountId) {
      return undefined;
    }
  }
  return { kind: issued.kind, token };
}

/** The access token named by an `Authorization: Bearer` header (opaque or JWT), or undefined. */
async function findUserAccessToken(ctx) {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization') || '');
  if (!match) return undefined;
  const opaque = await provider.AccessToken.find(match[1]);
  if (opaque) return opaque;
  const jwt = await findJwtAccessToken(match[1]);
  return jwt?.kind === 'user' ? jwt.token : undefined;
}

/**
 * The JWT-bearer grant (RFC 7523) as APS Secure Service Accounts use it: the client
 * authenticates as usual and sends `assertion` (an RS256 JWT signed with a service account's
 * private key) and `scope`. Answers an opaque user (three-legged) access token of the service
 * account, or 400 invalid_grant whose error_description names the failed check.
 */
async function jwtBearerGrant(ctx) {
  const { client, params } = ctx.oidc;
  const current = ctx.oidc.provider;
  const result = checkJwtBearerAssertion({
    assertion: params.assertion,
    scope: params.scope,
    clientId: client.clientId,
    tokenEndpoint: `${issuer}${AUTH}/token`,
    serviceAccounts: SERVICE_ACCOUNTS,
  });
  if (!result.ok) {
    const error = new errors.InvalidGrant(`${result.check}: ${result.detail}`);
    error.error_description = `${result.check}: ${result.detail}`;
    throw error;
  }
  const scope = result.scopes.join(' ');
  const grant = new current.Grant({ accountId: result.serviceAccount.id, clientId: client.clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const token = new current.AccessToken({
    accountId: result.serviceAccount.id,
    client,
    grantId,
    gty: JWT_BEARER,
    scope,
  });
  ctx.oidc.entity('AccessToken', token);
  const value = await token.save();
  ctx.body = {
    access_token: value,
    token_type: 'Bearer',
    expires_in: token.expiration,
    scope,
  };
}

/** A new Provider signing with `signingKey` (a private JWK), with its middleware. */
function createProvider(signingKey) {
  const created = new Provider(issuer, {
    adapter: sharedAdapter,
    clients,
    clientDefaults: {
      id_token_signed_response_alg: 'RS256',
    },
    jwks: { keys: [signingKey] },
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
      // Without a `resource` parameter tokens are opaque and scopes are echoed as requested,
      // except for JWT_CLIENT_ID, whose default resource is JWT_AUDIENCE: its access tokens are
      // RS256 JWTs (also from the authorization code and refresh grants, openid or not).
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx, client, oneOf) => {
          if (oneOf) return oneOf;
          return client?.clientId === JWT_CLIENT_ID ? JWT_AUDIENCE : undefined;
        },
        useGrantedResource: async (ctx) => ctx.oidc.client?.clientId === JWT_CLIENT_ID,
        getResourceServerInfo: async (_ctx, indicator, client) => {
          if (client?.clientId === JWT_CLIENT_ID && indicator === JWT_AUDIENCE) {
            return {
              audience: JWT_AUDIENCE,
              scope: APS_SCOPES.join(' '),
              accessTokenFormat: 'jwt',
              accessTokenTTL: 3600,
              jwt: { sign: { alg: 'RS256' } },
            };
          }
          throw new errors.InvalidTarget();
        },
      },
    },
    // PKCE (S256, the only method oidc-provider 9 supports) for every authorization code request.
    pkce: { required: () => true },
    rotateRefreshToken: true,
    // APS issues refresh tokens to any client allowed the refresh_token grant; offline_access is
    // not needed.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
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

  created.registerGrantType(JWT_BEARER, jwtBearerGrant, ['assertion', 'scope']);

  // Quiet by default: a failing server_error is worth a line on stderr.
  created.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err));
  // JWT access tokens are not stored ("issued", not "saved"): remember their kind.
  created.on('access_token.issued', (token) => {
    jwtAccessTokens.set(token.jti, { kind: 'user', grantId: token.grantId });
  });
  created.on('client_credentials.issued', (token) => {
    jwtAccessTokens.set(token.jti, { kind: 'app', grantId: undefined });
  });

  // Test helper routes, the fake APS profile endpoint, the JWKS and the token-endpoint counters.
  // These run before oidc-provider's own router.
  created.use(testRoutes);
  // The resource routes answer their own paths and pass everything else on.
  created.use(resources.middleware);
  return created;
}

// The APS resource routes (Data Management, OSS, signed S3 URLs), with their own counters.
const resources = resourceRoutes({ provider: currentProvider, issuer, findJwtAccessToken });
function resetCounts() {
  resetTokenCounts();
  resources.resetCounts();
}

/**
 * `POST /__test/rotate-keys[?keep_old=1]`: a new RS256 signing key (new kid) for every token
 * from now on; the JWKS keeps the previous public keys only with `keep_old=1`. Answers
 * `{"kid": "<new kid>", "keys": [<kids of the JWKS>]}`.
 */
function rotateKeys(keepOld) {
  rotations += 1;
  const kid = `aps-auth-test-only-rotated-${rotations}-${crypto.randomBytes(4).toString('hex')}`;
  const signingKey = generateSigningKey(kid);
  publishedKeys = keepOld ? [publicJwk(signingKey), ...publishedKeys] : [publicJwk(signingKey)];
  provider = createProvider(signingKey);
  handler = provider.callback();
  return { kid, keys: publishedKeys.map((k) => k.kid) };
}

async function testRoutes(ctx, next) {
  const path = decodeURIComponent(ctx.path);

  if (path === '/__test/counts' && ctx.method === 'GET') {
    json(ctx, 200, counts);
    return;
  }
  if (path === '/__test/resource-counts' && ctx.method === 'GET') {
    json(ctx, 200, resources.counts);
    return;
  }
  if (path === '/__test/s3-faults' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    let list;
    try {
      list = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list)) {
      json(ctx, 400, { error: 'a JSON array of faults' });
      return;
    }
    resources.s3.setFaults(list);
    json(ctx, 200, { faults: list.length });
    return;
  }
  if (path === '/__test/s3-stats' && ctx.method === 'GET') {
    json(ctx, 200, resources.s3.stats());
    return;
  }
  if (path === '/__test/foreign' && ctx.method === 'GET') {
    json(ctx, 200, resources.foreign());
    return;
  }
  if (path === '/__test/reset' && ctx.method === 'POST') {
    resetCounts();
    json(ctx, 200, counts);
    return;
  }
  if (path === '/__test/rotate-keys' && ctx.method === 'POST') {
    json(ctx, 200, rotateKeys(ctx.query.keep_old === '1' || ctx.query.keep_old === 'true'));
    return;
  }

  // The JWKS, served here rather than by oidc-provider so that it can keep rotated-out keys.
  if (path === `${AUTH}/keys` && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    ctx.status = 200;
    ctx.type = 'application/jwk-set+json; charset=utf-8';
    ctx.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE}`);
    ctx.body = JSON.stringify({ keys: publishedKeys });
    return;
  }

  if (path === '/userprofile/v1/users/@me' && ctx.method === 'GET') {
    const token = await findUserAccessToken(ctx);
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
}

provider = createProvider(TEST_ONLY_SIGNING_KEY);
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
