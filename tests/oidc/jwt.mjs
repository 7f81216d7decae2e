// Test-only JWT helpers for server.mjs, on Node's `crypto` only: RS256 keys for the provider's
// key rotation, RS256 verification of the provider's own JWT access tokens (for the resource
// routes), and the checks of the JWT-bearer grant (RFC 7523) as APS Secure Service Accounts use
// it. NEVER use it for anything but local tests.

import crypto from 'node:crypto';

/** The members of an RSA JWK that are public. */
const PUBLIC_RSA_MEMBERS = ['kty', 'n', 'e', 'kid', 'use', 'alg'];

/** The public part of an RSA JWK (no `d`, `p`, `q`, ...). */
export function publicJwk(jwk) {
  return Object.fromEntries(PUBLIC_RSA_MEMBERS.filter((k) => jwk[k] !== undefined).map((k) => [k, jwk[k]]));
}

/** A new RS256 signing key as a private JWK with the given `kid`. */
export function generateSigningKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

/** Seconds since the epoch. */
export function now() {
  return Math.floor(Date.now() / 1000);
}

/**
 * Splits and decodes a compact JWS without verifying it.
 *
 * @returns {{ header: object, payload: object, signingInput: string, signature: Buffer } | undefined}
 */
export function decodeJws(value) {
  if (typeof value !== 'string') return undefined;
  const parts = value.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(payload)) return undefined;
    return {
      header,
      payload,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether the RS256 signature of a decoded JWS verifies with the public key (KeyObject/JWK/PEM). */
export function verifyRs256(jws, key) {
  try {
    const keyObject = key instanceof crypto.KeyObject
      ? key
      : crypto.createPublicKey(typeof key === 'string' ? key : { key, format: 'jwk' });
    return crypto.verify('RSA-SHA256', Buffer.from(jws.signingInput), keyObject, jws.signature);
  } catch {
    return false;
  }
}

/**
 * Verifies one of the provider's JWT access tokens: RS256, a `kid` of the published JWKS, the
 * signature, `iss`, and `exp` in the future. Returns its payload, or undefined.
 *
 * @param {string} value the token
 * @param {object[]} publishedKeys the public JWKs currently in the JWKS
 * @param {string} issuer the expected `iss`
 */
export function verifyAccessTokenJwt(value, publishedKeys, issuer) {
  const jws = decodeJws(value);
  if (!jws || jws.header.alg !== 'RS256' || typeof jws.header.kid !== 'string') return undefined;
  const key = publishedKeys.find((k) => k.kid === jws.header.kid);
  if (!key || !verifyRs256(jws, key)) return undefined;
  const { payload } = jws;
  if (payload.iss !== issuer || typeof payload.exp !== 'number' || payload.exp <= now()) return undefined;
  return payload;
}

/** Longest accepted lifetime of a JWT-bearer assertion, `exp - iat`, in seconds. */
export const MAX_ASSERTION_LIFETIME = 300;

/**
 * The checks of an APS Secure Service Account JWT-bearer assertion (RFC 7523 section 3).
 * Returns `{ ok: true, serviceAccount }` or `{ ok: false, check, detail }` for the first failed
 * check; `check` is one of `assertion`, `alg`, `kid`, `signature`, `iss`, `sub`, `aud`, `exp`,
 * `iat`, `scope`.
 *
 * @param {object} options
 * @param {string | undefined} options.assertion the `assertion` parameter
 * @param {string | undefined} options.scope the `scope` parameter
 * @param {string} options.clientId the authenticated client
 * @param {string} options.tokenEndpoint the expected `aud`
 * @param {{ id: string, clientId: string, kid: string, publicKeyPem: string, scopes: string[] }[]} options.serviceAccounts
 */
export function checkJwtBearerAssertion({ assertion, scope, clientId, tokenEndpoint, serviceAccounts }) {
  const fail = (check, detail) => ({ ok: false, check, detail });
  if (!assertion) return fail('assertion', 'the assertion parameter is missing');
  const jws = decodeJws(assertion);
  if (!jws) return fail('assertion', 'the assertion is not a compact JWS with JSON header and claims');
  const { header, payload } = jws;
  if (header.alg !== 'RS256') return fail('alg', `the assertion must be signed with RS256, not ${JSON.stringify(header.alg)}`);

  const ownAccounts = serviceAccounts.filter((a) => a.clientId === clientId);
  const account = ownAccounts.find((a) => a.kid === header.kid);
  if (!account) {
    return fail('kid', `the header kid ${JSON.stringify(header.kid)} is not a key of a service account of client ${clientId}`);
  }
  if (!verifyRs256(jws, account.publicKeyPem)) {
    return fail('signature', `the signature does not verify with the public key ${account.kid}`);
  }
  if (payload.iss !== clientId) {
    return fail('iss', `iss must be the client id ${clientId}, not ${JSON.stringify(payload.iss)}`);
  }
  if (payload.sub !== account.id) {
    return fail('sub', `sub must be the service account id ${account.id} of key ${account.kid}, not ${JSON.stringify(payload.sub)}`);
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!aud.includes(tokenEndpoint)) {
    return fail('aud', `aud must be the token endpoint ${tokenEndpoint}, not ${JSON.stringify(payload.aud)}`);
  }
  const t = now();
  if (typeof payload.exp !== 'number') return fail('exp', 'exp is missing or not a number');
  if (payload.exp <= t) return fail('exp', `the assertion expired at ${payload.exp} (now ${t})`);
  if (typeof payload.iat !== 'number') return fail('iat', 'iat is missing or not a number');
  if (payload.iat > t + 60) return fail('iat', `iat ${payload.iat} is in the future (now ${t})`);
  if (payload.exp - payload.iat > MAX_ASSERTION_LIFETIME) {
    return fail('exp', `exp must be at most ${MAX_ASSERTION_LIFETIME} seconds after iat (it is ${payload.exp - payload.iat})`);
  }
  const requested = String(scope ?? '').split(' ').filter(Boolean);
  if (requested.length === 0) return fail('scope', 'the scope parameter is missing');
  const notAllowed = requested.filter((s) => !account.scopes.includes(s));
  if (notAllowed.length) {
    return fail('scope', `scopes not allowed for service account ${account.id}: ${notAllowed.join(' ')}`);
  }
  return { ok: true, serviceAccount: account, scopes: requested };
}
