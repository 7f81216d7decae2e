// Test-only paged listings for resources.mjs: a Data Management folder of a few thousand items
// and an item of a few hundred versions served in pages (`page[number]`, 0-based, and
// `page[limit]`, default and maximum 200, with JSON:API `links.next` as a relative href, as the
// document's FolderContents and Versions examples show it), an OSS bucket of objects served in
// pages (`startAt`, the key of the last object of the previous page, and `limit`, 1-100, default
// 10, with `next` an absolute URL, as the service sends it), and hostile listings: a folder whose
// page 0 links to another origin (a second local listener that records every request it gets,
// and whether it carried an `Authorization` header), one whose page 0 links to another host, and
// one whose page 1 links to itself. NEVER use it for anything but local tests.

import http from 'node:http';

export const BIG_FOLDER_ID = 'urn:adsk.wipprod:fs.folder:co.big-folder-1';
export const BIG_FOLDER_SIZE = 2345;
export const FOREIGN_FOLDER_ID = 'urn:adsk.wipprod:fs.folder:co.foreign-folder-1';
export const OTHER_HOST_FOLDER_ID = 'urn:adsk.wipprod:fs.folder:co.other-host-folder-1';
export const LOOP_FOLDER_ID = 'urn:adsk.wipprod:fs.folder:co.loop-folder-1';
export const MANY_VERSIONS_ITEM_ID = 'urn:adsk.wipprod:dm.lineage:many-versions-1';
export const VERSION_COUNT = 437;
export const PAGED_BUCKET = 'paged-bucket-1';
export const PAGED_OBJECTS = 1234;

/** The id of the `i`th item of the big folder. */
const bigItemId = (i) => `urn:adsk.wipprod:dm.lineage:big-item-${String(i).padStart(5, '0')}`;
const objectKey = (i) => `object-${String(i).padStart(5, '0')}.bin`;

/**
 * The second listener: another origin (same host, another port). It answers 404 to everything
 * and records what reached it.
 */
function foreignListener() {
  const record = { url: undefined, requests: 0, authorization: 0 };
  const server = http.createServer((req, res) => {
    record.requests += 1;
    if (req.headers.authorization !== undefined) record.authorization += 1;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"reason":"the foreign origin of the paging tests"}');
  });
  server.listen(0, '127.0.0.1', () => {
    record.url = `http://127.0.0.1:${server.address().port}`;
  });
  server.unref();
  return record;
}

/**
 * The paged routes and the contents of the paged folders.
 *
 * @param {object} h the helpers of resources.mjs: `authorize`, `dm`, `notFound`, `ossError`,
 *   `knownHubProject`, `item` and `version` (by item id), `ITEMS` (the item table, to which the
 *   big folder's items are added), `folderPathOf`, `itemPathOf`, `objectId`, `objectUrl`,
 *   `issuer`
 */
export function pagedListings(h) {
  const foreign = foreignListener();
  // The big folder's items: copies of the PDF item with their own ids (their tip versions too).
  const [, template] = [...h.ITEMS].find(([, it]) => it.type === 'items:autodesk.bim360:File');
  for (let i = 0; i < BIG_FOLDER_SIZE; i += 1) {
    const id = bigItemId(i);
    h.ITEMS.set(id, {
      ...template,
      displayName: `file-${i}.pdf`,
      versionId: `urn:adsk.wipprod:fs.file:vf.big-item-${i}?version=1`,
    });
  }
  h.ITEMS.set(MANY_VERSIONS_ITEM_ID, {
    ...template,
    displayName: 'many-versions.pdf',
    versionId: `urn:adsk.wipprod:fs.file:vf.many-versions-1?version=${VERSION_COUNT}`,
  });

  /** `page[number]` and `page[limit]`, or undefined after sending a 400. */
  function pageParams(ctx) {
    const number = Number(ctx.query['page[number]'] ?? 0);
    const limit = Number(ctx.query['page[limit]'] ?? 200);
    if (!Number.isInteger(number) || number < 0 || !Number.isInteger(limit) || limit < 1 || limit > 200) {
      h.jsonApiError(ctx, 400, 'BAD_INPUT', 'page[number] must be >= 0 and page[limit] in 1-200');
      return undefined;
    }
    return { number, limit };
  }

  /** The relative href of page `number` of `path`, as the document's examples write them. */
  const pageHref = (path, number, limit) => ({
    href: `${path}?page%5Bnumber%5D=${number}&page%5Blimit%5D=${limit}`,
  });

  /** One JSON:API page of `all` (a length and an entry function) with its links. */
  function jsonApiPage(ctx, path, total, entry, next) {
    const p = pageParams(ctx);
    if (!p) return;
    const start = p.number * p.limit;
    const data = [];
    for (let i = start; i < Math.min(total, start + p.limit); i += 1) data.push(entry(i));
    const more = start + p.limit < total;
    const links = {
      self: pageHref(path, p.number, p.limit),
      first: pageHref(path, 0, p.limit),
      ...(p.number > 0 ? { prev: pageHref(path, p.number - 1, p.limit) } : {}),
      ...(more ? { next: next ? next(p) : pageHref(path, p.number + 1, p.limit) } : {}),
    };
    h.dm(ctx, { links, data });
  }

  /** The contents of the paged folders, by folder id. */
  const FOLDERS = new Map([
    [BIG_FOLDER_ID, { total: BIG_FOLDER_SIZE, next: undefined }],
    [FOREIGN_FOLDER_ID, {
      total: 30,
      next: (p) => ({ href: `${foreign.url}${h.folderPathOf(FOREIGN_FOLDER_ID)}/contents?page%5Bnumber%5D=${p.number + 1}&page%5Blimit%5D=${p.limit}` }),
    }],
    [OTHER_HOST_FOLDER_ID, {
      total: 30,
      next: (p) => ({ href: `https://other-host.invalid/data/v1/contents?page%5Bnumber%5D=${p.number + 1}` }),
    }],
    [LOOP_FOLDER_ID, {
      total: 30,
      // Page 0 links to page 1; page 1 and after link to page 1 again.
      next: (p) => pageHref(`${h.folderPathOf(LOOP_FOLDER_ID)}/contents`, 1, p.limit),
    }],
  ]);

  /** Answers the contents of a paged folder; false when `folderId` is not one. */
  function contents(ctx, folderId) {
    const f = FOLDERS.get(folderId);
    if (!f) return false;
    const path = `${h.folderPathOf(folderId)}/contents`;
    jsonApiPage(ctx, path, f.total, (i) => h.item(bigItemId(i % BIG_FOLDER_SIZE), false), f.next);
    return true;
  }

  const routes = [
    ['GET', '/data/v1/projects/{project_id}/items/{item_id}/versions', async (ctx, p) => {
      if (!(await h.authorize(ctx, ['data:read'], false))) return;
      if (!h.knownHubProject(ctx, undefined, p.project_id)) return;
      if (!h.ITEMS.has(p.item_id)) return h.notFound(ctx, 'item', p.item_id);
      const total = p.item_id === MANY_VERSIONS_ITEM_ID ? VERSION_COUNT : 1;
      const path = `${h.itemPathOf(p.item_id)}/versions`;
      jsonApiPage(ctx, path, total, (i) => {
        const v = h.version(p.item_id);
        const number = total - i;
        return {
          ...v,
          id: v.id.replace(/\?version=\d+$/, `?version=${number}`),
          attributes: { ...v.attributes, versionNumber: number },
        };
      });
    }],
    ['GET', '/oss/v2/buckets/{bucketKey}/objects', async (ctx, p) => {
      if (!(await h.authorize(ctx, ['data:read'], true))) return;
      if (p.bucketKey !== PAGED_BUCKET) return h.ossError(ctx, 404, `Bucket ${p.bucketKey} does not exist`);
      const limit = Number(ctx.query.limit ?? 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return h.ossError(ctx, 400, 'limit must be 1-100');
      const after = ctx.query.startAt;
      let start = 0;
      if (after !== undefined) {
        const at = /^object-(\d{5})\.bin$/.exec(after);
        if (!at) return h.ossError(ctx, 400, `Unknown startAt ${after}`);
        start = Number(at[1]) + 1;
      }
      const items = [];
      for (let i = start; i < Math.min(PAGED_OBJECTS, start + limit); i += 1) {
        items.push({
          bucketKey: PAGED_BUCKET,
          objectKey: objectKey(i),
          objectId: h.objectId(PAGED_BUCKET, objectKey(i)),
          sha1: '0'.repeat(40),
          size: i,
          location: h.objectUrl(PAGED_BUCKET, objectKey(i)),
        });
      }
      const last = start + limit >= PAGED_OBJECTS ? undefined : objectKey(start + limit - 1);
      const next = last === undefined
        ? {}
        : { next: `${h.issuer}/oss/v2/buckets/${PAGED_BUCKET}/objects?startAt=${encodeURIComponent(last)}&limit=${limit}` };
      h.send(ctx, 200, { items, ...next });
    }],
  ];

  return { routes, contents, foreign: () => ({ ...foreign }) };
}
