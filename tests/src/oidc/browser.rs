//! A headless browser through the server's development login and consent pages: it follows
//! redirects, keeps cookies, finds each page's form action and submits the login or consent
//! form, until a redirect points at the client's `redirect_uri`.

use reqwest::header::{COOKIE, LOCATION};
use url::Url;

use super::REDIRECT_URI;
use super::cookie_jar::CookieJar;

/// How many requests one authorization may take before the browser gives up.
const MAX_STEPS: usize = 20;

/// The password submitted on the login page (the development login accepts any).
const PASSWORD: &str = "anything";

/// A browser session: the harness HTTP client (which follows no redirects) and a cookie jar.
pub(super) struct HeadlessBrowser<'a, F> {
    /// The harness's HTTP client.
    http: &'a reqwest::Client,
    /// Cookies set by the server during this session.
    jar: CookieJar,
    /// The server's stderr so far, for panic messages.
    server_stderr: F,
}

/// What one request answered.
enum Answer {
    /// A redirect to this (absolute) URL.
    Redirect(Url),
    /// A successful HTML page.
    Page(String),
}

impl<'a, F: Fn() -> String> HeadlessBrowser<'a, F> {
    /// A new session with an empty cookie jar.
    pub(super) fn new(http: &'a reqwest::Client, server_stderr: F) -> Self {
        HeadlessBrowser {
            http,
            jar: CookieJar::default(),
            server_stderr,
        }
    }

    /// Follows `authorize_url` through login (as `login`) and consent; see
    /// [`OidcServer::authorize_headless`](super::OidcServer::authorize_headless).
    pub(super) async fn authorize(mut self, authorize_url: &Url, login: &str) -> Url {
        let redirect_uri = redirect_uri_of(authorize_url);
        let mut url = authorize_url.clone();
        let mut form: Option<Vec<(&str, &str)>> = None;

        for _ in 0..MAX_STEPS {
            match self.request(&url, form.take()).await {
                Answer::Redirect(next) if is_redirect_target(&next, &redirect_uri) => return next,
                Answer::Redirect(next) => url = next,
                Answer::Page(body) => {
                    let (action, fields) = interaction_form(&url, &body, login);
                    url = action;
                    form = Some(fields);
                }
            }
        }
        panic!("authorize_headless: too many steps, last URL {url}");
    }

    /// GETs `url`, or POSTs `form` to it, with the jar's cookies; stores the answer's cookies.
    ///
    /// Panics on a failed request, a redirect without `Location`, or an unsuccessful status.
    async fn request(&mut self, url: &Url, form: Option<Vec<(&str, &str)>>) -> Answer {
        let request = match form {
            Some(fields) => self.http.post(url.clone()).form(&fields),
            None => self.http.get(url.clone()),
        };
        let request = match self.jar.header_for(url) {
            Some(cookie) => request.header(COOKIE, cookie),
            None => request,
        };
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("authorize_headless: request to {url} failed: {e}"));
        self.jar.store(url, response.headers());
        let status = response.status();

        if status.is_redirection() {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_else(|| {
                    panic!("authorize_headless: {status} without Location from {url}")
                });
            let next = url
                .join(location)
                .unwrap_or_else(|e| panic!("authorize_headless: bad Location {location:?}: {e}"));
            return Answer::Redirect(next);
        }

        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            panic!(
                "authorize_headless: {url} answered {status}:\n{body}\nserver stderr:\n{}",
                (self.server_stderr)()
            );
        }
        Answer::Page(body)
    }
}

/// The `redirect_uri` parameter of an authorization URL, or [`REDIRECT_URI`] without one.
fn redirect_uri_of(authorize_url: &Url) -> Url {
    let redirect_uri = authorize_url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| REDIRECT_URI.to_owned());
    Url::parse(&redirect_uri)
        .unwrap_or_else(|e| panic!("invalid redirect_uri {redirect_uri:?}: {e}"))
}

/// Where to submit the login or consent page `body` (found at `url`), and the fields to submit.
///
/// Panics on a page without a form or with an unknown `prompt`.
fn interaction_form<'a>(url: &Url, body: &str, login: &'a str) -> (Url, Vec<(&'a str, &'a str)>) {
    let action = form_action(body)
        .unwrap_or_else(|| panic!("authorize_headless: no form on the page at {url}:\n{body}"));
    let action = url
        .join(&action)
        .unwrap_or_else(|e| panic!("authorize_headless: bad form action {action:?}: {e}"));
    let fields = if body.contains(r#"name="prompt" value="login""#) {
        vec![
            ("prompt", "login"),
            ("login", login),
            ("password", PASSWORD),
        ]
    } else if body.contains(r#"name="prompt" value="consent""#) {
        vec![("prompt", "consent")]
    } else {
        panic!("authorize_headless: unknown interaction page at {url}:\n{body}");
    };
    (action, fields)
}

/// Whether `candidate` points at `redirect_uri` (same scheme, host and path; any port).
fn is_redirect_target(candidate: &Url, redirect_uri: &Url) -> bool {
    candidate.scheme() == redirect_uri.scheme()
        && candidate.host_str() == redirect_uri.host_str()
        && candidate.path() == redirect_uri.path()
}

/// The `action` of the first `<form>` of an HTML page, HTML entities in it decoded.
fn form_action(html: &str) -> Option<String> {
    let form = &html[html.find("<form")?..];
    let tag = &form[..form.find('>')?];
    let start = tag.find("action=\"")? + "action=\"".len();
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&#x2F;", "/")
            .replace("&#47;", "/")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_actions() {
        let html =
            r#"<p>x</p><form autocomplete="off" action="/interaction/a&amp;b" method="post">"#;
        assert_eq!(form_action(html).as_deref(), Some("/interaction/a&b"));
        assert_eq!(form_action("<p>no form</p>"), None);
        let escaped = r#"<form action="&#x2F;interaction&#47;x">"#;
        assert_eq!(form_action(escaped).as_deref(), Some("/interaction/x"));
    }

    #[test]
    fn redirect_targets_ignore_the_port() {
        let registered = Url::parse(REDIRECT_URI).unwrap();
        let with_port = Url::parse("http://127.0.0.1:54321/callback?code=x&state=y").unwrap();
        assert!(is_redirect_target(&with_port, &registered));
        let other = Url::parse("http://127.0.0.1:54321/authentication/v2/authorize/x").unwrap();
        assert!(!is_redirect_target(&other, &registered));
    }

    #[test]
    fn the_redirect_uri_comes_from_the_authorization_url() {
        let url = Url::parse(
            "http://127.0.0.1:4000/authentication/v2/authorize?client_id=c\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A5555%2Fcb",
        )
        .unwrap();
        assert_eq!(redirect_uri_of(&url).as_str(), "http://127.0.0.1:5555/cb");
        let without = Url::parse("http://127.0.0.1:4000/authentication/v2/authorize").unwrap();
        assert_eq!(
            redirect_uri_of(&without).as_str(),
            "http://127.0.0.1/callback"
        );
    }

    #[test]
    fn login_and_consent_pages_get_their_forms() {
        let page = Url::parse("http://127.0.0.1:4000/interaction/abc").unwrap();
        let login = r#"<form action="/interaction/abc/login" method="post">
            <input type="hidden" name="prompt" value="login"/>"#;
        let (action, fields) = interaction_form(&page, login, "alice");
        assert_eq!(
            action.as_str(),
            "http://127.0.0.1:4000/interaction/abc/login"
        );
        assert_eq!(
            fields,
            [
                ("prompt", "login"),
                ("login", "alice"),
                ("password", "anything")
            ]
        );
        let consent = r#"<form action="confirm"><input name="prompt" value="consent">"#;
        let (action, fields) = interaction_form(&page, consent, "alice");
        assert_eq!(action.as_str(), "http://127.0.0.1:4000/interaction/confirm");
        assert_eq!(fields, [("prompt", "consent")]);
    }
}
