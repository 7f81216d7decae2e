//! The signed-in pages: the profile and hubs (`/`), a hub's projects, a project's top folders
//! and a folder's contents (every page of a paged listing, through the generated `items()`).
//! Each request resumes the user's session from the token store (refreshing it, under the
//! store's lock, when it is about to expire) and calls APS with it.

use std::fmt::Display;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;

use futures_core::Stream;

use aps_auth_generated::generated::data_management::{self, types::FolderContentsDataItem};
use aps_auth_generated::oauth::OAuthError;
use aps_auth_generated::{Client, Items, PageError};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::App;
use crate::cookie::{self, SESSION_COOKIE};
use crate::html::{escape, link_list, page, redirect, respond, segment};
use crate::sign_in::problem;

/// A signed-in user: the API client calling with their session, and their name.
struct User {
    api: Client,
    name: String,
}

/// The user of this request, or the response to send instead (to `/login` when there is no
/// usable session).
async fn signed_in(app: &App, headers: &HeaderMap) -> Result<User, Response> {
    let to_login = || {
        redirect(
            "/login",
            &[cookie::clear(SESSION_COOKIE, app.secure_cookies)],
        )
    };
    let Some(id) = cookie::read(headers, SESSION_COOKIE) else {
        return Err(redirect("/login", &[]));
    };
    let session = match app.oauth.resume_session(id.as_str()).await {
        Ok(session) => session,
        Err(OAuthError::SignInRequired(_)) => return Err(to_login()),
        Err(e) => {
            return Err(failed(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sessions are unavailable",
                e,
            ));
        }
    };
    match session.access_token().await {
        Ok(_) => {}
        Err(OAuthError::SignInRequired(_)) => return Err(to_login()),
        Err(e) => {
            return Err(failed(
                StatusCode::BAD_GATEWAY,
                "Cannot refresh the session",
                e,
            ));
        }
    }
    let api = app.api.with_token_source(session);
    let profile = api
        .get_user_profile()
        .await
        .map_err(|e| failed(StatusCode::BAD_GATEWAY, "APS did not give the profile", e))?;
    let full_name = [profile.first_name.as_deref(), profile.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = match profile.user_name.as_deref() {
        Some(user) if !full_name.is_empty() => format!("{full_name} ({user})"),
        Some(user) => user.to_owned(),
        None => full_name,
    };
    Ok(User { api, name })
}

/// An error page; the error's text is the runtime's or the layer's, redacted.
fn failed(status: StatusCode, what: &str, error: impl Display) -> Response {
    problem(status, what, &error.to_string())
}

/// `GET /`: the profile and the hubs.
pub async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let user = match signed_in(&app, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let dm = data_management::Client::from_client(user.api.clone());
    let hubs = match dm.get_hubs().await {
        Ok(hubs) => hubs.into_inner().data.unwrap_or_default(),
        Err(e) => return failed(StatusCode::BAD_GATEWAY, "APS did not list the hubs", e),
    };
    let links = hubs.into_iter().filter_map(|hub| {
        let id = hub.id?;
        let name = hub
            .attributes
            .and_then(|a| a.name)
            .unwrap_or_else(|| id.clone());
        Some((format!("/hubs/{}", segment(&id)), name))
    });
    let body = format!(
        "<p id=\"profile\">Hello, {}.</p><h2>Hubs</h2>{}",
        escape(&user.name),
        link_list("hubs", links)
    );
    respond(
        StatusCode::OK,
        page("Your Autodesk account", Some(&user.name), &body),
        &[],
    )
}

/// `GET /hubs/{hub}`: the hub's projects, every page.
pub async fn hub(
    State(app): State<Arc<App>>,
    Path(hub): Path<String>,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&app, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let dm = data_management::Client::from_client(user.api.clone());
    let (projects, pages) = match every_item(dm.get_hub_projects(&hub).items()).await {
        Ok(listed) => listed,
        Err(e) => return failed(StatusCode::BAD_GATEWAY, "APS did not list the projects", e),
    };
    let count = projects.len();
    let links = projects.into_iter().map(|project| {
        let name = project
            .attributes
            .name
            .unwrap_or_else(|| project.id.clone());
        (
            format!("/hubs/{}/projects/{}", segment(&hub), segment(&project.id)),
            name,
        )
    });
    let body = format!(
        "<p id=\"count\">{count} project(s), {pages} page(s)</p>{}",
        link_list("projects", links)
    );
    respond(
        StatusCode::OK,
        page(&format!("Projects of {hub}"), Some(&user.name), &body),
        &[],
    )
}

/// `GET /hubs/{hub}/projects/{project}`: the project's top folders.
pub async fn project(
    State(app): State<Arc<App>>,
    Path((hub, project)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&app, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let dm = data_management::Client::from_client(user.api.clone());
    let folders = match dm.get_project_top_folders(&hub, &project).await {
        Ok(folders) => folders.into_inner().data.unwrap_or_default(),
        Err(e) => {
            return failed(
                StatusCode::BAD_GATEWAY,
                "APS did not list the top folders",
                e,
            );
        }
    };
    let links = folders.into_iter().map(|folder| {
        (
            format!(
                "/projects/{}/folders/{}",
                segment(&project),
                segment(&folder.id)
            ),
            folder.attributes.display_name,
        )
    });
    let body = format!("<h2>Top folders</h2>{}", link_list("folders", links));
    respond(
        StatusCode::OK,
        page(&format!("Project {project}"), Some(&user.name), &body),
        &[],
    )
}

/// `GET /projects/{project}/folders/{folder}`: the folder's contents, every page.
pub async fn folder(
    State(app): State<Arc<App>>,
    Path((project, folder)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let user = match signed_in(&app, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let dm = data_management::Client::from_client(user.api.clone());
    let (entries, pages) = match every_item(dm.get_folder_contents(&project, &folder).items()).await
    {
        Ok(listed) => listed,
        Err(e) => return failed(StatusCode::BAD_GATEWAY, "APS did not list the folder", e),
    };
    let count = entries.len();
    let mut folders = Vec::new();
    let mut items = Vec::new();
    for entry in entries {
        match entry {
            FolderContentsDataItem::FolderData(sub) => folders.push((
                format!(
                    "/projects/{}/folders/{}",
                    segment(&project),
                    segment(&sub.id)
                ),
                sub.attributes.display_name,
            )),
            FolderContentsDataItem::ItemData(item) => items.push(item.attributes.display_name),
            _ => {}
        }
    }
    let mut item_list = String::from("<ul id=\"items\">");
    for name in items {
        item_list.push_str(&format!("<li>{}</li>", escape(&name)));
    }
    item_list.push_str("</ul>");
    let body = format!(
        "<p id=\"count\">{count} entr(ies), {pages} page(s)</p><h2>Folders</h2>{}<h2>Items</h2>{item_list}",
        link_list("folders", folders)
    );
    respond(StatusCode::OK, page("Folder", Some(&user.name), &body), &[])
}

/// Any other path.
pub async fn not_found() -> Response {
    respond(
        StatusCode::NOT_FOUND,
        page("Not found", None, "<p><a href=\"/\">Home</a></p>"),
        &[],
    )
}

/// Every item of a paged listing, every page followed, and how many pages that took.
async fn every_item<T, I: Unpin, E>(
    mut items: Items<'_, T, I, E>,
) -> Result<(Vec<I>, u64), PageError<E>> {
    let mut all = Vec::new();
    while let Some(item) = poll_fn(|cx| Pin::new(&mut items).poll_next(cx)).await {
        all.push(item?);
    }
    Ok((all, items.pages_requested()))
}
