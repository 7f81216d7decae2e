// Test-only stand-ins for the APS resource routes an integrator's program calls: Data Management
// (hubs -> projects -> top folders -> folder contents -> item) and OSS (buckets, signed S3 upload
// and download, deletes), guarded by the access tokens of the oidc-provider in server.mjs.
// NEVER use it for anything but local tests.
//
// Paths, parameters and request bodies follow Autodesk's published OpenAPI documents
// (datamanagement.yaml and oss.yaml of autodesk-platform-services/aps-sdk-openapi). The answers
// follow what the service sends, which is what the documents' own examples (`x-examples`) show
// where those contradict the documents' schemas: see the Data Management section below; and OSS
// gives an object's `sha1` as the 40-character lowercase hex SHA-1 digest of its bytes (the
// document says `format: byte`).
//
// Auth rule, for every route except the signed S3 URLs:
//
// - `Authorization: Bearer <token>` must name an access token this provider issued and that is
//   still valid. Opaque tokens are looked up in the provider's own storage:
//   `provider.AccessToken.find` (authorization code / refresh / JWT-bearer grants: a user, i.e.
//   three-legged, token, whose grant must still exist) or `provider.ClientCredentials.find`
//   (client_credentials: an app, i.e. two-legged, token). `find` refuses expired tokens, and
//   revoked tokens are gone from the storage. JWT access tokens (server.mjs issues them to one
//   client) are not stored by oidc-provider: the `findJwtAccessToken` option checks them
//   (signature by a key of the current JWKS, iss, exp, and for user tokens the grant). Anything
//   else (no header, another scheme, a refresh token, an ID token, a forged string) -> 401 with
//   an APS-style JSON body (AUTH-001).
// - The token must carry the route's scope (one of them when the route lists several) -> else 403
//   with a JSON body naming the missing scope (AUTH-010, `missingScopes`), and an RFC 6750
//   `WWW-Authenticate: Bearer error="insufficient_scope"` header.
// - Data Management routes accept user and app tokens (the document declares both `2-legged` and
//   `3-legged` security for them). OSS routes accept app tokens only (the document declares
//   `2-legged` only): a user token -> 403.
//
// The signed URLs (`/s3-fake/upload/<id>`, `/s3-fake/download/<id>`) need no token: the URL is
// the credential. An upload URL works once; both expire (`minutesExpiration`, default 2 minutes).
// They answer S3-style XML errors, as S3 does. Uploads come in parts (`parts`, `firstPart`,
// `uploadKey`; parts of any size: the helper keeps S3's 5 MiB minimum itself), downloads
// answer `Range` with `206` and `Content-Range`. Parts and objects live on disk, and faults can
// be scripted: see s3.mjs.
//
// Every request to these routes is counted by route template (see `resourceCounts`).
//
// Paged listings (a big folder, an item's versions, a bucket's objects, hostile next links) are
// in paging.mjs.

import crypto from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';

import { pagedListings } from './paging.mjs';
import { dropConnection, delay, s3Store } from './s3.mjs';

/** The largest request body accepted (signed upload PUTs included). */
const MAX_BODY = 64 * 1024 * 1024;

const MORE_INFO = 'https://aps.autodesk.com/en/docs/oauth/v2/developers_guide/error_handling/';
const JSON_API = 'application/vnd.api+json';
const REGIONS = ['US', 'EMEA', 'AUS', 'CAN', 'DEU', 'IND', 'JPN', 'GBR'];
const POLICY_KEYS = ['transient', 'temporary', 'persistent'];
const BUCKET_KEY = /^[-_.a-z0-9]{3,128}$/;

// ---------------------------------------------------------------------------------------------
// Fixed Data Management data.
// ---------------------------------------------------------------------------------------------

export const HUB_ID = 'b.hub-1';
export const PROJECT_ID = 'b.project-1';
/** The first top folder: holds a subfolder and two items. */
export const TOP_FOLDER_ID = 'urn:adsk.wipprod:fs.folder:co.top-folder-1';
/** The second top folder: empty. */
export const EMPTY_FOLDER_ID = 'urn:adsk.wipprod:fs.folder:co.empty-folder-1';
/** The (empty) subfolder of TOP_FOLDER_ID. */
export const SUB_FOLDER_ID = 'urn:adsk.wipprod:fs.folder:co.sub-folder-1';
/** The project's root folder (its top folders' parent; it has no route here). */
export const ROOT_FOLDER_ID = 'urn:adsk.wipprod:fs.folder:co.root-folder-1';
/** The first item of TOP_FOLDER_ID (a Revit cloud model), and its one version. */
export const ITEM_ID = 'urn:adsk.wipprod:dm.lineage:item-1';
export const VERSION_ID = 'urn:adsk.wipprod:fs.file:vf.item-1?version=1';
/** The second item of TOP_FOLDER_ID (a PDF file), and its one version. */
export const PDF_ITEM_ID = 'urn:adsk.wipprod:dm.lineage:item-2';
export const PDF_VERSION_ID = 'urn:adsk.wipprod:fs.file:vf.item-2?version=1';

const CREATED = '2024-01-15T10:00:00.0000000Z';
const MODIFIED = '2024-02-20T16:30:00.0000000Z';
const USER = { id: 'TESTUSER1', name: 'Test User' };

/** The mutable state of one server. */
function newState() {
  return {
    /** bucketKey -> { bucketKey, bucketOwner, createdDate, policyKey, permissions, region, objects } */
    buckets: new Map(),
    /** uploadKey -> { bucketKey, objectKey, parts: Map<partNumber, {file, size, etag}>, expiresAt } */
    uploads: new Map(),
    /** signed URL id -> { kind, expiresAt, ... } */
    signed: new Map(),
  };
}

/** Requests allowed per rate-limit window, as APS's `X-RateLimit-*` headers report it. */
const RATE_LIMIT = 300;
let served = 0;

/** Sends a JSON (or JSON:API) answer, with APS-style rate-limit headers. */
function send(ctx, status, body, type = 'application/json') {
  ctx.status = status;
  ctx.type = type;
  ctx.set('Cache-Control', 'no-store');
  served += 1;
  ctx.set('X-RateLimit-Limit', String(RATE_LIMIT));
  ctx.set('X-RateLimit-Remaining', String(Math.max(0, RATE_LIMIT - served)));
  ctx.set('X-RateLimit-Reset', String(Math.floor(Date.now() / 1000) + 60));
  ctx.body = JSON.stringify(body);
}

/** Sends an S3-style XML error. */
function s3Error(ctx, status, code, message) {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/** A Data Management JSON:API error document (validates against the document's `404-general`). */
function jsonApiError(ctx, status, code, detail) {
  send(ctx, status, {
    jsonapi: { version: '1.0' },
    errors: [{ id: crypto.randomUUID(), status: String(status), code, title: code, detail }],
  }, JSON_API);
}

/** An OSS error (`{reason}`, the document's `reason` schema). */
function ossError(ctx, status, reason) {
  send(ctx, status, { reason });
}

/** Reads the whole request body, up to MAX_BODY bytes (undefined when larger). */
async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Reads a JSON request body; sends a 400 and returns undefined when it is not a JSON object. */
async function readJson(ctx) {
  if (!/^application\/(vnd\.api\+)?json\b/i.test(ctx.get('content-type'))) {
    ossError(ctx, 400, 'Content-Type must be application/json');
    return undefined;
  }
  const raw = await readBody(ctx.req);
  let body;
  try {
    body = raw === undefined ? undefined : JSON.parse(raw.toString('utf8'));
  } catch {
    body = undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    ossError(ctx, 400, 'The request body must be a JSON object');
    return undefined;
  }
  return body;
}

/** A random URL-safe id. */
function randomId(bytes = 24) {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** `minutesExpiration` (1-60, default 2) as milliseconds, or undefined when invalid. */
function expirationMs(ctx) {
  const raw = ctx.query.minutesExpiration;
  if (raw === undefined) return 2 * 60 * 1000;
  const minutes = Number(raw);
  return Number.isInteger(minutes) && minutes >= 1 && minutes <= 60 ? minutes * 60 * 1000 : undefined;
}

/** A positive integer query parameter in [min, max], its default when absent, NaN when invalid. */
function intParam(ctx, name, fallback, min, max) {
  const raw = ctx.query[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= min && n <= max ? n : NaN;
}

/**
 * Creates the Koa middleware of the resource routes.
 *
 * @param {object} options
 * @param {import('oidc-provider').default} options.provider the provider whose tokens are accepted
 * @param {string} options.issuer `http://127.0.0.1:<port>`, base of links and signed URLs
 * @param {(value: string) => Promise<{ kind: 'user' | 'app', token: object } | undefined>} [options.findJwtAccessToken]
 *   checks a JWT access token of the provider (which oidc-provider does not store); the token
 *   object has `clientId`, `scopes` (a Set) and `isExpired`, as oidc-provider's tokens do
 * @returns {{ middleware: Function, counts: Record<string, number>, resetCounts: Function }} the
 *   middleware, and its request counters by `"<METHOD> <path template>"` (every request that
 *   reaches a route counts, whatever the answer)
 */
export function resourceRoutes({ provider, issuer, findJwtAccessToken }) {
  const state = newState();
  const store = s3Store();

  // --- Authentication -------------------------------------------------------------------------

  /** The provider's token named by the Authorization header, with its kind, or undefined. */
  async function findToken(ctx) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization') || '');
    if (!match) return undefined;
    const value = match[1];
    const user = await provider.AccessToken.find(value);
    if (user) {
      // As oidc-provider's userinfo does: a token whose grant was revoked is no longer valid.
      const grant = user.grantId ? await provider.Grant.find(user.grantId) : undefined;
      if (!grant || grant.clientId !== user.clientId || grant.accountId !== user.accountId) {
        return undefined;
      }
      return { kind: 'user', token: user };
    }
    const app = await provider.ClientCredentials.find(value);
    if (app) return { kind: 'app', token: app };
    return findJwtAccessToken ? findJwtAccessToken(value) : undefined;
  }

  /**
   * Checks the bearer token: returns it, or sends 401/403 and returns undefined.
   *
   * @param {string[]} anyOf the route's scopes, one of which is needed
   * @param {boolean} appOnly whether only two-legged (client credentials) tokens are accepted
   */
  async function authorize(ctx, anyOf, appOnly) {
    const found = await findToken(ctx);
    if (!found || found.token.isExpired) {
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      send(ctx, 401, {
        developerMessage: 'The Authorization header is missing, or the token is invalid or expired.',
        errorCode: 'AUTH-001',
        moreInfo: MORE_INFO,
      });
      return undefined;
    }
    const scopes = found.token.scopes;
    if (!anyOf.some((scope) => scopes.has(scope))) {
      const needed = anyOf.join(' ');
      ctx.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${needed}"`);
      send(ctx, 403, {
        developerMessage: `The token does not have the privilege for this request: it lacks the scope ${anyOf.join(' or ')}.`,
        errorCode: 'AUTH-010',
        moreInfo: MORE_INFO,
        missingScopes: anyOf,
      });
      return undefined;
    }
    if (appOnly && found.kind !== 'app') {
      send(ctx, 403, {
        developerMessage: 'This operation needs an application (two-legged) token; a user (three-legged) token was sent.',
        errorCode: 'AUTH-012',
        moreInfo: MORE_INFO,
      });
      return undefined;
    }
    return found;
  }

  // --- Data Management ------------------------------------------------------------------------
  //
  // The answers copy the shapes of the document's own examples (`x-examples` of Hubs, Projects,
  // TopFolders, FolderContents, Item, Version, CreatedVersion), which is what the service sends
  // and which departs from the document's schemas in places:
  //
  // - `attributes.extension.data` holds strings, numbers, booleans, arrays and null (the schemas
  //   say every value is an object): `projectType: "BIM360"`, `allowedTypes: [...]`,
  //   `sourceFileName`, `processState`, `tempUrn: null`; a hub's is `{}`;
  // - a version's `extension` may come without `schema` (the CreatedVersion example), though
  //   the schema requires it;
  // - an empty folder's contents are `data: []` (the schema says `minItems: 1`);
  // - entries of folder contents carry only a `self` link; an item fetched alone also `webView`.

  const link = (path) => ({ href: `${issuer}${path}` });
  const enc = encodeURIComponent;
  const hubPath = `/project/v1/hubs/${enc(HUB_ID)}`;
  const projectPath = `${hubPath}/projects/${enc(PROJECT_ID)}`;
  const dataProject = `/data/v1/projects/${enc(PROJECT_ID)}`;
  const folderPathOf = (id) => `${dataProject}/folders/${enc(id)}`;
  const itemPathOf = (id) => `${dataProject}/items/${enc(id)}`;
  const versionPathOf = (id) => `${dataProject}/versions/${enc(id)}`;
  /** A link into the BIM 360 Docs web application, as the examples' `webView` links are. */
  const webView = (what) => ({ href: `https://docs.b360.autodesk.com/projects/project-1${what}` });
  const schema = (type) => ({ href: `${issuer}/schema/v1/versions/${enc(type)}` });
  const PROJECT_SCOPES = ['b360project.project-1', 'O2tenant.tenant-1', 'global'];
  const storageQuery = `?scopes=${PROJECT_SCOPES.slice(0, 2).join(',')}`;

  const hub = () => ({
    type: 'hubs',
    id: HUB_ID,
    attributes: {
      name: 'Test Hub',
      extension: {
        type: 'hubs:autodesk.bim360:Account',
        version: '1.0',
        schema: schema('hubs:autodesk.bim360:Account-1.0'),
        data: {},
      },
      region: 'US',
    },
    links: { self: link(hubPath) },
    relationships: { projects: { links: { related: link(`${hubPath}/projects`) } } },
  });

  /** A BIM 360 container relationship of a project (issues, cost, ...), as in Projects' example. */
  const container = (type, path) => ({
    data: { type, id: 'container-1' },
    meta: { link: link(path) },
  });

  const project = () => ({
    type: 'projects',
    id: PROJECT_ID,
    attributes: {
      name: 'Test Project',
      scopes: PROJECT_SCOPES,
      extension: {
        type: 'projects:autodesk.bim360:Project',
        version: '1.0',
        schema: schema('projects:autodesk.bim360:Project-1.0'),
        data: { projectType: 'BIM360' },
      },
    },
    links: { self: link(projectPath), webView: webView('') },
    relationships: {
      hub: { data: { type: 'hubs', id: HUB_ID }, links: { related: link(hubPath) } },
      rootFolder: {
        data: { type: 'folders', id: ROOT_FOLDER_ID },
        meta: { link: link(folderPathOf(ROOT_FOLDER_ID)) },
      },
      topFolders: { links: { related: link(`${projectPath}/topFolders`) } },
      issues: container('issueContainerId', '/issues/v1/containers/container-1/issues'),
      cost: container('costContainerId', '/cost/v1/containers/container-1/budgets'),
    },
  });

  const audit = () => ({
    createTime: CREATED,
    createUserId: USER.id,
    createUserName: USER.name,
    lastModifiedTime: MODIFIED,
    lastModifiedUserId: USER.id,
    lastModifiedUserName: USER.name,
  });

  /**
   * The folders: the two top folders of the project (the first holds a subfolder and the items,
   * the second is empty) and one subfolder (empty). Each answers its contents route.
   */
  const FOLDERS = new Map([
    [TOP_FOLDER_ID, {
      name: 'Project Files',
      parent: ROOT_FOLDER_ID,
      allowedTypes: ['folders', 'items:autodesk.bim360:File', 'items:autodesk.bim360:Document',
        'items:autodesk.bim360:TitleBlock', 'items:autodesk.bim360:C4RModel'],
      visibleTypes: ['folders', 'items:autodesk.bim360:File', 'items:autodesk.bim360:C4RModel'],
      folderParents: [],
      contents: () => [folder(SUB_FOLDER_ID, false), item(ITEM_ID, false), item(PDF_ITEM_ID, false)],
      included: () => [version(ITEM_ID), version(PDF_ITEM_ID)],
    }],
    [EMPTY_FOLDER_ID, {
      name: 'Plans',
      parent: ROOT_FOLDER_ID,
      allowedTypes: ['folders', 'items:autodesk.bim360:Document', 'items:autodesk.bim360:TitleBlock'],
      visibleTypes: ['folders', 'items:autodesk.bim360:Document'],
      folderParents: [],
      contents: () => [],
      included: () => undefined,
    }],
    [SUB_FOLDER_ID, {
      name: 'Shared',
      parent: TOP_FOLDER_ID,
      allowedTypes: ['folders', 'items:autodesk.bim360:File'],
      visibleTypes: ['folders', 'items:autodesk.bim360:File'],
      folderParents: [{ urn: TOP_FOLDER_ID, isRoot: false, title: 'Project Files', parentUrn: ROOT_FOLDER_ID }],
      contents: () => [],
      included: () => undefined,
    }],
  ]);

  /** A folder, as top folders list it (`top`) or as folder contents do. */
  const folder = (id, top) => {
    const f = FOLDERS.get(id);
    const path = folderPathOf(id);
    const count = f.contents().length;
    return {
      type: 'folders',
      id,
      attributes: {
        name: f.name,
        displayName: f.name,
        ...audit(),
        lastModifiedTimeRollup: MODIFIED,
        ...(top ? {} : { path: `/project-1-root/${f.name}` }),
        objectCount: count,
        hidden: false,
        extension: {
          type: 'folders:autodesk.bim360:Folder',
          version: '1.0',
          schema: schema('folders:autodesk.bim360:Folder-1.0'),
          data: {
            allowedTypes: f.allowedTypes,
            visibleTypes: f.visibleTypes,
            ...(top ? { isRoot: false, folderType: 'normal', folderParents: f.folderParents } : {}),
            namingStandardIds: [],
          },
        },
      },
      links: top ? { self: link(path), webView: webView(`/folders/${enc(id)}`) } : { self: link(path) },
      relationships: {
        parent: {
          data: { type: 'folders', id: f.parent },
          links: { related: link(`${path}/parent`) },
        },
        refs: { links: { self: link(`${path}/relationships/refs`), related: link(`${path}/refs`) } },
        links: { links: { self: link(`${path}/relationships/links`) } },
        contents: { links: { related: link(`${path}/contents`) } },
      },
    };
  };

  /**
   * The items of the first top folder: a Revit cloud model (the Item example's C4RModel) and a
   * PDF file (the FolderContents example's File), each with one version.
   */
  const ITEMS = new Map([
    [ITEM_ID, {
      displayName: 'my_model.rvt',
      type: 'items:autodesk.bim360:C4RModel',
      extensionVersion: '1.0.0',
      data: { sourceFileName: 'my_model.rvt' },
      versionId: VERSION_ID,
      version: {
        name: 'my_model.rvt',
        displayName: 'my_model',
        versionNumber: 1,
        mimeType: 'application/vnd.autodesk.r360',
        fileType: 'rvt',
        type: 'versions:autodesk.bim360:C4RModel',
        extensionVersion: '1.0.0',
        withSchema: true,
        data: {
          modelVersion: 1,
          projectGuid: 'project-guid-1',
          originalItemUrn: ITEM_ID,
          isCompositeDesign: false,
          modelType: 'multiuser',
          mimeType: 'application/vnd.autodesk.r360',
          modelGuid: 'model-guid-1',
          processState: 'PROCESSING_COMPLETE',
          extractionState: 'SUCCESS',
          splittingState: 'NOT_SPLIT',
          reviewState: 'NOT_IN_REVIEW',
          revisionDisplayLabel: '1',
          sourceFileName: 'my_model.rvt',
          conformingStatus: 'NONE',
        },
        object: 'model-1.rvt',
      },
    }],
    [PDF_ITEM_ID, {
      displayName: 'checklist.pdf',
      type: 'items:autodesk.bim360:File',
      extensionVersion: '1.0',
      data: {},
      versionId: PDF_VERSION_ID,
      version: {
        name: 'checklist.pdf',
        displayName: 'checklist.pdf',
        versionNumber: 1,
        mimeType: 'application/pdf',
        fileType: 'pdf',
        storageSize: 1024,
        type: 'versions:autodesk.bim360:File',
        extensionVersion: '1.0',
        // As in the CreatedVersion example: a version's extension without `schema`.
        withSchema: false,
        data: {
          tempUrn: null,
          properties: {},
          storageUrn: 'urn:adsk.objects:os.object:wip.dm.prod/checklist-1.pdf',
          storageType: 'OSS',
          conformingStatus: 'NONE',
        },
        object: 'checklist-1.pdf',
      },
    }],
  ]);

  /** An item, fetched alone (`alone`: with a `webView` link) or as folder contents list it. */
  const item = (id, alone) => {
    const it = ITEMS.get(id);
    const path = itemPathOf(id);
    return {
      type: 'items',
      id,
      attributes: {
        displayName: it.displayName,
        ...audit(),
        lastModifiedTimeRollup: MODIFIED,
        hidden: false,
        reserved: false,
        extension: {
          type: it.type,
          version: it.extensionVersion,
          schema: schema(`${it.type}-${it.extensionVersion}`),
          data: it.data,
        },
      },
      links: alone ? { self: link(path), webView: webView(`/items/${enc(id)}`) } : { self: link(path) },
      relationships: {
        tip: { data: { type: 'versions', id: it.versionId }, links: { related: link(`${path}/tip`) } },
        versions: { links: { related: link(`${path}/versions`) } },
        parent: { data: { type: 'folders', id: TOP_FOLDER_ID }, links: { related: link(`${path}/parent`) } },
        refs: { links: { self: link(`${path}/relationships/refs`), related: link(`${path}/refs`) } },
        links: { links: { self: link(`${path}/relationships/links`) } },
      },
    };
  };

  /** The tip version of item `itemId`. */
  const version = (itemId) => {
    const it = ITEMS.get(itemId);
    const v = it.version;
    const path = versionPathOf(it.versionId);
    return {
      type: 'versions',
      id: it.versionId,
      attributes: {
        name: v.name,
        displayName: v.displayName,
        ...audit(),
        versionNumber: v.versionNumber,
        mimeType: v.mimeType,
        fileType: v.fileType,
        ...(v.storageSize === undefined ? {} : { storageSize: v.storageSize }),
        extension: {
          type: v.type,
          version: v.extensionVersion,
          ...(v.withSchema ? { schema: schema(`${v.type}-${v.extensionVersion}`) } : {}),
          data: v.data,
        },
      },
      links: { self: link(path), webView: webView(`/items/${enc(it.versionId)}`) },
      relationships: {
        item: { data: { type: 'items', id: itemId }, links: { related: link(`${path}/item`) } },
        refs: { links: { self: link(`${path}/relationships/refs`), related: link(`${path}/refs`) } },
        links: { links: { self: link(`${path}/relationships/links`) } },
        downloadFormats: { links: { related: link(`${path}/downloadFormats`) } },
        storage: {
          data: { type: 'objects', id: `urn:adsk.objects:os.object:wip.dm.prod/${v.object}` },
          meta: { link: link(`/oss/v2/buckets/wip.dm.prod/objects/${v.object}${storageQuery}`) },
        },
      },
    };
  };

  const dm = (ctx, body) => send(ctx, 200, { jsonapi: { version: '1.0' }, ...body }, JSON_API);
  const notFound = (ctx, what, id) => jsonApiError(ctx, 404, 'NOT_FOUND', `The ${what} ${id} was not found.`);

  /** Checks hub and project ids; sends the 404 and returns false when one is unknown. */
  function knownHubProject(ctx, hubId, projectId) {
    if (hubId !== HUB_ID) return notFound(ctx, 'hub', hubId), false;
    if (projectId !== undefined && projectId !== PROJECT_ID) return notFound(ctx, 'project', projectId), false;
    return true;
  }

  // --- OSS ------------------------------------------------------------------------------------

  const objectId = (bucketKey, objectKey) => `urn:adsk.objects:os.object:${bucketKey}/${objectKey}`;
  const objectLocation = (bucketKey, objectKey) =>
    `${issuer}/oss/v2/buckets/${enc(bucketKey)}/objects/${enc(objectKey)}`;

  /** The bucket, owned by the token's client; else sends 404/403 and returns undefined. */
  function ownBucket(ctx, found, bucketKey) {
    const bucket = state.buckets.get(bucketKey);
    if (!bucket) return ossError(ctx, 404, `Bucket ${bucketKey} does not exist`), undefined;
    if (bucket.bucketOwner !== found.token.clientId) {
      return ossError(ctx, 403, `Bucket ${bucketKey} is owned by another application`), undefined;
    }
    return bucket;
  }

  /** Registers a signed URL and returns it. */
  function sign(kind, ttlMs, details) {
    const id = randomId();
    state.signed.set(id, { kind, expiresAt: Date.now() + ttlMs, ...details });
    return `${issuer}/s3-fake/${kind}/${id}`;
  }

  /** A signed URL's record if it exists and has not expired. */
  function signed(kind, id) {
    const record = state.signed.get(id);
    if (!record || record.kind !== kind) return undefined;
    if (record.expiresAt <= Date.now()) {
      state.signed.delete(id);
      return undefined;
    }
    return record;
  }

  const paged = pagedListings({
    authorize, dm, notFound, jsonApiError, send, issuer, ITEMS, item, version, folderPathOf, itemPathOf,
    objectId, objectUrl: objectLocation,
    ossError: (ctx, status, reason) => ossError(ctx, status, reason),
    knownHubProject: (ctx, _hub, projectId) => knownHubProject(ctx, HUB_ID, projectId),
  });

  // --- Routes ---------------------------------------------------------------------------------

  /** [method, template, handler(ctx, params)]; templates use `{name}` for one path segment. */
  const routes = [
    ['GET', '/project/v1/hubs', async (ctx) => {
      if (!(await authorize(ctx, ['data:read'], false))) return;
      dm(ctx, { links: { self: link('/project/v1/hubs') }, data: [hub()] });
    }],
    ['GET', '/project/v1/hubs/{hub_id}/projects', async (ctx, p) => {
      if (!(await authorize(ctx, ['data:read'], false))) return;
      if (!knownHubProject(ctx, p.hub_id)) return;
      dm(ctx, { links: { self: link(`${hubPath}/projects`) }, data: [project()] });
    }],
    ['GET', '/project/v1/hubs/{hub_id}/projects/{project_id}/topFolders', async (ctx, p) => {
      if (!(await authorize(ctx, ['data:read'], false))) return;
      if (!knownHubProject(ctx, p.hub_id, p.project_id)) return;
      dm(ctx, {
        links: { self: link(`${projectPath}/topFolders`) },
        data: [folder(TOP_FOLDER_ID, true), folder(EMPTY_FOLDER_ID, true)],
      });
    }],
    ['GET', '/data/v1/projects/{project_id}/folders/{folder_id}/contents', async (ctx, p) => {
      if (!(await authorize(ctx, ['data:read'], false))) return;
      if (!knownHubProject(ctx, HUB_ID, p.project_id)) return;
      if (paged.contents(ctx, p.folder_id)) return;
      const f = FOLDERS.get(p.folder_id);
      if (!f) return notFound(ctx, 'folder', p.folder_id);
      // An empty folder's contents: `data: []` and no `included`, as the service sends them.
      dm(ctx, {
        links: { self: link(`${folderPathOf(p.folder_id)}/contents`) },
        data: f.contents(),
        ...(f.included() ? { included: f.included() } : {}),
      });
    }],
    ['GET', '/data/v1/projects/{project_id}/items/{item_id}', async (ctx, p) => {
      if (!(await authorize(ctx, ['data:read'], false))) return;
      if (!knownHubProject(ctx, HUB_ID, p.project_id)) return;
      if (!ITEMS.has(p.item_id)) return notFound(ctx, 'item', p.item_id);
      dm(ctx, { links: { self: link(itemPathOf(p.item_id)) }, data: item(p.item_id, true), included: [version(p.item_id)] });
    }],

    ['POST', '/oss/v2/buckets', async (ctx) => {
      const found = await authorize(ctx, ['bucket:create'], true);
      if (!found) return;
      const region = ctx.get('region') || ctx.get('x-ads-region') || 'US';
      if (!REGIONS.includes(region)) return ossError(ctx, 400, `Unknown region ${region}`);
      const body = await readJson(ctx);
      if (!body) return;
      const { bucketKey, policyKey, allow = [] } = body;
      if (typeof bucketKey !== 'string' || !BUCKET_KEY.test(bucketKey)) {
        return ossError(ctx, 400, 'bucketKey must match ^[-_.a-z0-9]{3,128}$');
      }
      if (!POLICY_KEYS.includes(policyKey)) {
        return ossError(ctx, 400, `policyKey must be one of ${POLICY_KEYS.join(', ')}`);
      }
      const validAllow = Array.isArray(allow) && allow.every((a) =>
        a && typeof a.authId === 'string' && ['full', 'read'].includes(a.access));
      if (!validAllow) return ossError(ctx, 400, 'allow must be a list of {authId, access: full|read}');
      if (state.buckets.has(bucketKey)) return ossError(ctx, 409, 'Bucket already exists');
      const bucket = {
        bucketKey,
        bucketOwner: found.token.clientId,
        createdDate: Date.now(),
        permissions: [{ authId: found.token.clientId, access: 'full' }, ...allow.map(({ authId, access }) => ({ authId, access }))],
        policyKey,
      };
      state.buckets.set(bucketKey, { ...bucket, region, objects: new Map() });
      send(ctx, 200, bucket);
    }],
    ['DELETE', '/oss/v2/buckets/{bucketKey}', async (ctx, p) => {
      const found = await authorize(ctx, ['bucket:delete'], true);
      if (!found || !ownBucket(ctx, found, p.bucketKey)) return;
      for (const object of state.buckets.get(p.bucketKey).objects.values()) store.remove(object.parts);
      state.buckets.delete(p.bucketKey);
      for (const [key, upload] of state.uploads) {
        if (upload.bucketKey !== p.bucketKey) continue;
        store.remove([...upload.parts.values()]);
        state.uploads.delete(key);
      }
      ctx.status = 200;
      ctx.body = '';
    }],
    ['GET', '/oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3upload', async (ctx, p) => {
      const found = await authorize(ctx, ['data:write', 'data:create'], true);
      if (!found || !ownBucket(ctx, found, p.bucketKey)) return;
      const parts = intParam(ctx, 'parts', 1, 1, 25);
      const firstPart = intParam(ctx, 'firstPart', 1, 1, 10000);
      const ttl = expirationMs(ctx);
      if (Number.isNaN(parts) || Number.isNaN(firstPart) || firstPart + parts - 1 > 10000) {
        return ossError(ctx, 400, 'parts must be 1-25 and firstPart 1-10000');
      }
      if (ttl === undefined) return ossError(ctx, 400, 'minutesExpiration must be 1-60');
      let uploadKey = ctx.query.uploadKey;
      let upload;
      if (uploadKey !== undefined) {
        upload = state.uploads.get(uploadKey);
        if (!upload || upload.bucketKey !== p.bucketKey || upload.objectKey !== p.objectKey
          || upload.expiresAt <= Date.now()) {
          return ossError(ctx, 400, 'Unknown or expired uploadKey for this object');
        }
      } else {
        uploadKey = randomId(32);
        upload = {
          bucketKey: p.bucketKey,
          objectKey: p.objectKey,
          parts: new Map(),
          expiresAt: Date.now() + 24 * 3600 * 1000,
        };
        state.uploads.set(uploadKey, upload);
      }
      const urls = [];
      for (let part = firstPart; part < firstPart + parts; part += 1) {
        urls.push(sign('upload', ttl, { uploadKey, part }));
      }
      send(ctx, 200, {
        uploadKey,
        uploadExpiration: new Date(upload.expiresAt).toISOString(),
        urlExpiration: new Date(Date.now() + ttl).toISOString(),
        urls,
      });
    }],
    ['POST', '/oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3upload', async (ctx, p) => {
      const found = await authorize(ctx, ['data:write', 'data:create'], true);
      if (!found) return;
      const bucket = ownBucket(ctx, found, p.bucketKey);
      if (!bucket) return;
      const body = await readJson(ctx);
      if (!body) return;
      const upload = typeof body.uploadKey === 'string' ? state.uploads.get(body.uploadKey) : undefined;
      if (!upload || upload.bucketKey !== p.bucketKey || upload.objectKey !== p.objectKey) {
        return ossError(ctx, 400, 'Unknown uploadKey for this object');
      }
      const numbers = [...upload.parts.keys()].sort((a, b) => a - b);
      if (numbers.length === 0 || numbers.some((n, i) => n !== i + 1)) {
        return ossError(ctx, 400, 'Not every part of this upload has been uploaded');
      }
      const chunks = numbers.map((n) => upload.parts.get(n));
      const size = chunks.reduce((sum, c) => sum + c.size, 0);
      if (body.size !== undefined && body.size !== size) {
        return ossError(ctx, 400, `size ${body.size} does not match the ${size} bytes uploaded`);
      }
      if (body.eTags !== undefined && (!Array.isArray(body.eTags)
        || body.eTags.length !== chunks.length
        || body.eTags.some((e, i) => String(e).replace(/"/g, '') !== chunks[i].etag))) {
        return ossError(ctx, 400, 'eTags do not match the uploaded parts');
      }
      state.uploads.delete(body.uploadKey);
      const { sha1, md5 } = await store.digests(chunks, size);
      const object = {
        bucketKey: p.bucketKey,
        objectId: objectId(p.bucketKey, p.objectKey),
        objectKey: p.objectKey,
        // The hex digest, as the service sends it (the document says `format: byte`).
        sha1,
        size,
        contentType: ctx.get('x-ads-meta-Content-Type') || 'application/octet-stream',
        location: objectLocation(p.bucketKey, p.objectKey),
      };
      const replaced = bucket.objects.get(p.objectKey);
      if (replaced) store.remove(replaced.parts);
      bucket.objects.set(p.objectKey, {
        ...object,
        parts: chunks,
        md5,
        contentDisposition: ctx.get('x-ads-meta-Content-Disposition') || undefined,
      });
      send(ctx, 200, { ...object, policyKey: bucket.policyKey });
    }],
    ['GET', '/oss/v2/buckets/{bucketKey}/objects/{objectKey}/signeds3download', async (ctx, p) => {
      const found = await authorize(ctx, ['data:read'], true);
      if (!found) return;
      const bucket = ownBucket(ctx, found, p.bucketKey);
      if (!bucket) return;
      const object = bucket.objects.get(p.objectKey);
      if (!object) return ossError(ctx, 404, `Object ${p.objectKey} does not exist`);
      const ttl = expirationMs(ctx);
      if (ttl === undefined) return ossError(ctx, 400, 'minutesExpiration must be 1-60');
      const contentType = ctx.query['response-content-type'] || object.contentType;
      const contentDisposition = ctx.query['response-content-disposition'] || object.contentDisposition;
      const params = { 'content-type': contentType };
      if (contentDisposition) params['content-disposition'] = contentDisposition;
      if (ctx.query['response-cache-control']) params['cache-control'] = ctx.query['response-cache-control'];
      send(ctx, 200, {
        status: 'complete',
        url: sign('download', ttl, { bucketKey: p.bucketKey, objectKey: p.objectKey, params }),
        params,
        size: object.size,
        sha1: object.sha1,
      });
    }],
    ['DELETE', '/oss/v2/buckets/{bucketKey}/objects/{objectKey}', async (ctx, p) => {
      const found = await authorize(ctx, ['data:write'], true);
      if (!found) return;
      const bucket = ownBucket(ctx, found, p.bucketKey);
      if (!bucket) return;
      const gone = bucket.objects.get(p.objectKey);
      if (!gone) return ossError(ctx, 404, `Object ${p.objectKey} does not exist`);
      store.remove(gone.parts);
      bucket.objects.delete(p.objectKey);
      ctx.status = 200;
      ctx.body = '';
    }],

    // The fake S3 behind the signed URLs: no bearer token, the URL is the credential.
    ['PUT', '/s3-fake/upload/{id}', async (ctx, p) => {
      const record = signed('upload', p.id);
      const upload = record && state.uploads.get(record.uploadKey);
      if (!record || record.used || !upload) {
        return s3Error(ctx, 403, 'AccessDenied', 'Unknown, expired or already used signed URL');
      }
      store.count('put', record.part);
      const fault = store.fault('put', record.part);
      if (fault?.kind === 'status') {
        return s3Error(ctx, fault.status ?? 500, 'InternalError', 'Injected fault');
      }
      if (fault?.kind === 'expire') {
        for (const other of state.signed.values()) {
          if (other.kind === 'upload' && other.uploadKey === record.uploadKey) other.expiresAt = 0;
        }
        return s3Error(ctx, 403, 'AccessDenied', 'Request has expired');
      }
      record.used = true;
      if (fault?.kind === 'drop') {
        await once(ctx.req, 'data');
        return dropConnection(ctx);
      }
      if (fault?.kind === 'slow') await delay(fault.ms ?? 1000);
      const received = await store.receive(ctx.req);
      if (received === undefined) return s3Error(ctx, 400, 'EntityTooLarge', 'Body too large');
      if (received === null) return s3Error(ctx, 400, 'IncompleteBody', 'The body did not arrive whole');
      if (state.uploads.get(record.uploadKey) !== upload) {
        // Completed (or gone) while this body arrived: it is not part of the object.
        store.remove([received]);
        return s3Error(ctx, 404, 'NoSuchUpload', 'The upload is no longer in progress');
      }
      const earlier = upload.parts.get(record.part);
      if (earlier) store.remove([earlier]);
      upload.parts.set(record.part, received);
      ctx.set('ETag', `"${received.etag}"`);
      ctx.status = 200;
      ctx.body = '';
    }],
    ['GET', '/s3-fake/download/{id}', async (ctx, p) => {
      const record = signed('download', p.id);
      if (!record) return s3Error(ctx, 403, 'AccessDenied', 'Unknown or expired signed URL');
      const object = state.buckets.get(record.bucketKey)?.objects.get(record.objectKey);
      if (!object) return s3Error(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
      const size = object.size;
      const range = /^bytes=(\d*)-(\d*)$/.exec(ctx.get('range') || '');
      const ranged = range && (range[1] !== '' || range[2] !== '');
      let start = 0;
      let end = size - 1;
      if (ranged) {
        start = range[1] === '' ? Math.max(size - Number(range[2]), 0) : Number(range[1]);
        end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
        if (start >= size || start > end) {
          ctx.set('Content-Range', `bytes */${size}`);
          return s3Error(ctx, 416, 'InvalidRange', 'The requested range is not satisfiable');
        }
      }
      store.count('get', start);
      const fault = store.fault('get', start);
      if (fault?.kind === 'status') {
        return s3Error(ctx, fault.status ?? 500, 'InternalError', 'Injected fault');
      }
      if (fault?.kind === 'expire') {
        state.signed.delete(p.id);
        return s3Error(ctx, 403, 'AccessDenied', 'Request has expired');
      }
      if (fault?.kind === 'slow') await delay(fault.ms ?? 1000);
      ctx.set('ETag', `"${object.md5}"`);
      ctx.set('Accept-Ranges', 'bytes');
      if (record.params['content-disposition']) ctx.set('Content-Disposition', record.params['content-disposition']);
      if (record.params['cache-control']) ctx.set('Cache-Control', record.params['cache-control']);
      ctx.type = record.params['content-type'];
      if (ranged) {
        ctx.status = 206;
        ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
      } else {
        ctx.status = 200;
      }
      if (fault?.kind === 'drop') {
        // Half the range, then the connection goes.
        ctx.respond = false;
        ctx.res.writeHead(ctx.status, { ...ctx.response.headers, 'content-length': String(end - start + 1) });
        const half = Math.floor((end - start + 1) / 2);
        for await (const chunk of store.read(object.parts, start, start + Math.max(half, 1) - 1)) {
          ctx.res.write(chunk);
        }
        await delay(50);
        ctx.req.socket.destroy();
        return;
      }
      ctx.body = size === 0 ? '' : Readable.from(store.read(object.parts, start, end));
      ctx.length = size === 0 ? 0 : end - start + 1;
    }],
    ...paged.routes,
  ].map(([method, template, handler]) => ({
    method,
    template,
    handler,
    segments: template.split('/').slice(1),
  }));

  /** Route template params of `path`'s segments, or undefined when they do not match. */
  function match(route, segments) {
    if (route.segments.length !== segments.length) return undefined;
    const params = {};
    for (let i = 0; i < segments.length; i += 1) {
      const want = route.segments[i];
      if (want.startsWith('{')) {
        if (segments[i] === '') return undefined;
        params[want.slice(1, -1)] = segments[i];
      } else if (want !== segments[i]) {
        return undefined;
      }
    }
    return params;
  }

  const PREFIXES = ['/project/v1/', '/data/v1/', '/oss/v2/', '/s3-fake/'];

  const counts = {};
  function resetCounts() {
    for (const route of routes) counts[`${route.method} ${route.template}`] = 0;
  }
  resetCounts();

  /** The Koa middleware: handles the routes above, passes everything else on. */
  async function middleware(ctx, next) {
    const { path } = ctx;
    if (!PREFIXES.some((prefix) => path.startsWith(prefix))) {
      return next();
    }
    let segments;
    try {
      segments = path.split('/').slice(1).map(decodeURIComponent);
    } catch {
      return send(ctx, 400, { reason: 'Malformed percent-encoding in the path' });
    }
    const matching = routes
      .map((route) => ({ route, params: match(route, segments) }))
      .filter(({ params }) => params);
    const hit = matching.find(({ route }) => route.method === ctx.method);
    if (!hit) {
      if (matching.length > 0) {
        ctx.set('Allow', matching.map(({ route }) => route.method).join(', '));
        return send(ctx, 405, { reason: `Method ${ctx.method} not allowed here` });
      }
      return send(ctx, 404, { reason: `No such route in this test server: ${ctx.method} ${path}` });
    }
    const key = `${hit.route.method} ${hit.route.template}`;
    counts[key] += 1;
    await hit.route.handler(ctx, hit.params);
  }

  return {
    middleware,
    counts,
    resetCounts() {
      resetCounts();
      store.reset();
    },
    foreign: paged.foreign,
    s3: store,
  };
}
