//! Pagination against the test resource server (`tests/oidc/resources.mjs`, `paging.mjs`): the
//! generated `pages()` / `items()` of Data Management's folder contents and item versions and of
//! OSS's object listing walk every page of a real process, each item once, one request a page
//! and none after the last; the bound on pages; next links to another origin (a second local
//! listener that records what reaches it) or another host, and a link that loops, each a typed
//! error naming the page, with nothing sent there and the token never leaving the base URL's
//! origin. Also: the vendor's published documents page the same operations.

use std::collections::BTreeSet;
use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use aps_auth_generated::generated::data_management::{self, types::FolderContentsDataItem};
use aps_auth_generated::generated::oss;
use aps_auth_generated::{Client, PageError, StaticToken};
use aps_auth_tests::oidc::{BASIC_CLIENT, OidcServer, PROJECT_ID, TOP_FOLDER_ID};
use futures_core::Stream;
use serde_json::Value;

const BIG_FOLDER_ID: &str = "urn:adsk.wipprod:fs.folder:co.big-folder-1";
const BIG_FOLDER_SIZE: usize = 2345;
const FOREIGN_FOLDER_ID: &str = "urn:adsk.wipprod:fs.folder:co.foreign-folder-1";
const OTHER_HOST_FOLDER_ID: &str = "urn:adsk.wipprod:fs.folder:co.other-host-folder-1";
const LOOP_FOLDER_ID: &str = "urn:adsk.wipprod:fs.folder:co.loop-folder-1";
const MANY_VERSIONS_ITEM_ID: &str = "urn:adsk.wipprod:dm.lineage:many-versions-1";
const VERSION_COUNT: usize = 437;
const PAGED_BUCKET: &str = "paged-bucket-1";
const PAGED_OBJECTS: usize = 1234;
const CONTENTS: &str = "GET /data/v1/projects/{project_id}/folders/{folder_id}/contents";
const VERSIONS: &str = "GET /data/v1/projects/{project_id}/items/{item_id}/versions";
const OBJECTS: &str = "GET /oss/v2/buckets/{bucketKey}/objects";
/// Every test is over well within this.
const BOUND: Duration = Duration::from_secs(60);

macro_rules! server {
    () => {
        match OidcServer::start() {
            Some(server) => server,
            None => return,
        }
    };
}

/// The next item of a stream.
async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

/// Every item of a stream, up to the first error (returned beside them).
async fn collect<S, T, E>(mut stream: S) -> (Vec<T>, Option<E>)
where
    S: Stream<Item = Result<T, E>> + Unpin,
{
    let mut items = Vec::new();
    let walk = async {
        while let Some(item) = next(&mut stream).await {
            match item {
                Ok(item) => items.push(item),
                Err(e) => return Some(e),
            }
        }
        None
    };
    let error = tokio::time::timeout(BOUND, walk)
        .await
        .expect("bounded in time");
    (items, error)
}

/// A two-legged token of `scope`, from the test server.
async fn app_token(server: &OidcServer, scope: &str) -> String {
    let (id, secret) = BASIC_CLIENT;
    let body: Value = reqwest::Client::new()
        .post(server.url("/authentication/v2/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

fn api(server: &OidcServer, token: &str) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .token_source(StaticToken::new(token.to_owned()))
        .timeout(Some(Duration::from_secs(15)))
        .build()
        .unwrap()
}

async fn count(server: &OidcServer, route: &str) -> u64 {
    server.resource_counts().await[route].as_u64().unwrap()
}

/// What reached the other origin's listener: (requests, requests with `Authorization`).
async fn foreign(server: &OidcServer) -> (String, u64, u64) {
    let v: Value = reqwest::get(server.url("/__test/foreign"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        v["url"].as_str().unwrap().to_owned(),
        v["requests"].as_u64().unwrap(),
        v["authorization"].as_u64().unwrap(),
    )
}

fn item_id(item: &FolderContentsDataItem) -> String {
    match item {
        FolderContentsDataItem::ItemData(i) => i.id.clone(),
        FolderContentsDataItem::FolderData(f) => f.id.clone(),
        other => panic!("not an item: {other:?}"),
    }
}

#[tokio::test]
async fn every_item_of_a_big_folder_once_one_request_a_page_none_after_the_last() {
    let server = server!();
    let token = app_token(&server, "data:read").await;
    let dm = data_management::Client::from_client(api(&server, &token));
    server.reset_counts().await;

    let (items, error) = collect(dm.get_folder_contents(PROJECT_ID, BIG_FOLDER_ID).items()).await;
    assert!(error.is_none(), "{error:?}");
    let ids: Vec<String> = items.iter().map(item_id).collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), BIG_FOLDER_SIZE);
    assert_eq!(unique.len(), BIG_FOLDER_SIZE, "every item exactly once");
    let pages = BIG_FOLDER_SIZE.div_ceil(200) as u64;
    assert_eq!(count(&server, CONTENTS).await, pages);

    // With a smaller page the filters and limit the call was built with stay on every page
    // (the next link carries them): 50 a page.
    server.reset_counts().await;
    let mut stream = dm
        .get_folder_contents(PROJECT_ID, BIG_FOLDER_ID)
        .page_limit(50)
        .pages();
    let mut seen = 0;
    let mut n = 0;
    while let Some(page) = next(&mut stream).await {
        let page = page.unwrap();
        n += 1;
        assert_eq!(stream.pages_requested(), n);
        seen += page.data.as_ref().map_or(0, Vec::len);
        // One page in flight: the server saw exactly the pages handed out so far.
        assert_eq!(count(&server, CONTENTS).await, n);
    }
    assert_eq!(seen, BIG_FOLDER_SIZE);
    assert_eq!(n, BIG_FOLDER_SIZE.div_ceil(50) as u64);
    // Polled again after its end, the stream sends nothing.
    assert!(next(&mut stream).await.is_none());
    assert_eq!(count(&server, CONTENTS).await, n);

    // A folder of one page: one request.
    server.reset_counts().await;
    let (items, error) = collect(dm.get_folder_contents(PROJECT_ID, TOP_FOLDER_ID).items()).await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(items.len(), 3);
    assert_eq!(count(&server, CONTENTS).await, 1);
}

#[tokio::test]
async fn versions_and_oss_objects_page_too() {
    let server = server!();
    let token = app_token(&server, "data:read").await;
    let dm = data_management::Client::from_client(api(&server, &token));
    let oss = oss::Client::from_client(api(&server, &token));
    server.reset_counts().await;

    let versions = dm
        .get_item_versions(PROJECT_ID, MANY_VERSIONS_ITEM_ID)
        .page_limit(100)
        .items();
    let (versions, error) = collect(versions).await;
    assert!(error.is_none(), "{error:?}");
    let numbers: BTreeSet<i32> = versions
        .iter()
        .map(|v| v.attributes.version_number)
        .collect();
    assert_eq!(numbers.len(), VERSION_COUNT);
    assert_eq!(versions.len(), VERSION_COUNT);
    assert_eq!(count(&server, VERSIONS).await, 5);

    let objects = oss.get_objects(PAGED_BUCKET).limit(100).items();
    let (objects, error) = collect(objects).await;
    assert!(error.is_none(), "{error:?}");
    let keys: BTreeSet<String> = objects
        .iter()
        .map(|o| o.object_key.clone().unwrap())
        .collect();
    assert_eq!(objects.len(), PAGED_OBJECTS);
    assert_eq!(keys.len(), PAGED_OBJECTS, "every object exactly once");
    assert_eq!(
        count(&server, OBJECTS).await,
        PAGED_OBJECTS.div_ceil(100) as u64
    );
}

#[tokio::test]
async fn the_bound_on_pages_is_an_error_naming_the_page_and_sends_no_more() {
    let server = server!();
    let token = app_token(&server, "data:read").await;
    let dm = data_management::Client::from_client(api(&server, &token));
    server.reset_counts().await;

    let pages = dm
        .get_folder_contents(PROJECT_ID, BIG_FOLDER_ID)
        .pages()
        .max_pages(3);
    let (pages, error) = collect(pages).await;
    assert_eq!(pages.len(), 3);
    assert!(
        matches!(error, Some(PageError::TooManyPages { page: 3 })),
        "{error:?}"
    );
    assert_eq!(count(&server, CONTENTS).await, 3);
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_and_nothing_reaches_it() {
    let server = server!();
    let token = app_token(&server, "data:read").await;
    let dm = data_management::Client::from_client(api(&server, &token));
    server.reset_counts().await;

    let (pages, error) = collect(
        dm.get_folder_contents(PROJECT_ID, FOREIGN_FOLDER_ID)
            .page_limit(10)
            .pages(),
    )
    .await;
    assert_eq!(pages.len(), 1, "the page that carried the link is kept");
    let (foreign_url, requests, authorization) = foreign(&server).await;
    let error = error.expect("an error");
    match &error {
        PageError::ForeignNextLink { page: 1, origin } => assert_eq!(origin, &foreign_url),
        other => panic!("{other:?}"),
    }
    let text = error.to_string();
    assert!(
        text.contains("page 1") && text.contains(&foreign_url),
        "{text}"
    );
    assert!(
        !text.contains("page%5B") && !text.contains(&token),
        "{text}"
    );
    assert_eq!(
        (requests, authorization),
        (0, 0),
        "nothing reached the other origin"
    );
    assert_eq!(count(&server, CONTENTS).await, 1);

    // Another host (which does not resolve): refused before any lookup, likewise.
    let (pages, error) = collect(
        dm.get_folder_contents(PROJECT_ID, OTHER_HOST_FOLDER_ID)
            .page_limit(10)
            .items(),
    )
    .await;
    assert_eq!(pages.len(), 10);
    assert!(
        matches!(&error, Some(PageError::ForeignNextLink { page: 1, origin }) if origin == "https://other-host.invalid"),
        "{error:?}"
    );
    assert_eq!(foreign(&server).await.1, 0);
}

#[tokio::test]
async fn a_next_link_that_loops_is_an_error() {
    let server = server!();
    let token = app_token(&server, "data:read").await;
    let dm = data_management::Client::from_client(api(&server, &token));
    server.reset_counts().await;

    let (pages, error) = collect(
        dm.get_folder_contents(PROJECT_ID, LOOP_FOLDER_ID)
            .page_limit(10)
            .pages(),
    )
    .await;
    // Page 1 links to page 2 (`page[number]=1`), which links to itself.
    assert_eq!(pages.len(), 2);
    assert!(
        matches!(error, Some(PageError::Loop { page: 2 })),
        "{error:?}"
    );
    assert_eq!(count(&server, CONTENTS).await, 2);
}

#[tokio::test]
async fn a_failing_page_is_an_error_naming_it() {
    let server = server!();
    let dm = data_management::Client::from_client(api(&server, "not-a-token"));
    let (pages, error) = collect(dm.get_folder_contents(PROJECT_ID, BIG_FOLDER_ID).pages()).await;
    assert!(pages.is_empty());
    let error = error.expect("an error");
    assert_eq!(error.page(), 1);
    assert_eq!(
        error.call_error().and_then(|e| e.status()),
        Some(reqwest::StatusCode::UNAUTHORIZED)
    );
}

/// The vendor's published documents (`../shared/specs/aps/`) page the same operations.
#[test]
fn the_vendor_documents_page_the_listings() {
    let dir = aps_auth_tests::workspace_root().join("../shared/specs/aps");
    for (file, expected) in [
        (
            "datamanagement.yaml",
            &[
                ("get_hub_projects", "/links/next/href", Some("/data")),
                ("get_folder_contents", "/links/next/href", Some("/data")),
                ("get_folder_search", "/links/next/href", Some("/data")),
                ("get_item_versions", "/links/next/href", Some("/data")),
            ][..],
        ),
        (
            "oss.yaml",
            &[
                ("get_buckets", "/next", Some("/items")),
                ("get_objects", "/next", Some("/items")),
            ][..],
        ),
    ] {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            eprintln!("skipped: {file} not found beside the workspace");
            continue;
        };
        let generated =
            aps_auth_codegen::generate_full(&text, &aps_auth_codegen::Options::default())
                .unwrap_or_else(|e| panic!("{file}: {e}"));
        let paged: Vec<(&str, &str, Option<&str>)> = generated
            .api
            .operations
            .iter()
            .filter_map(|op| {
                let p = op.pagination.as_ref()?;
                let items = p.items.as_ref().map(|i| i.path.pointer.as_str());
                Some((op.fn_name.as_str(), p.next.pointer.as_str(), items))
            })
            .collect();
        assert_eq!(paged, expected, "{file}");
    }
}
