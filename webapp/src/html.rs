//! HTML: escaping every text that comes from outside (servers, users, URLs), path segments
//! percent-encoded in links, the page layout, and the responses with the app's headers
//! (`Cache-Control: no-store`, a strict `Content-Security-Policy`, no `Referer`).

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Text made safe for an HTML element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What stays as it is in a path segment: RFC 3986's unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An id as one path segment of a link (`urn:a/b` -> `urn%3Aa%2Fb`); safe in an attribute.
pub fn segment(id: &str) -> String {
    utf8_percent_encode(id, SEGMENT).to_string()
}

/// A whole page: `title` (text) and `body` (HTML, already escaped), with a sign-out button when
/// `signed_in` names the user.
pub fn page(title: &str, signed_in: Option<&str>, body: &str) -> String {
    let header = match signed_in {
        Some(name) => format!(
            "<header><span id=\"user\">Signed in as {}</span> \
             <form method=\"post\" action=\"/logout\"><button id=\"logout\" type=\"submit\">Sign out</button></form> \
             <a href=\"/\">Home</a></header>",
            escape(name)
        ),
        None => String::from("<header><a href=\"/login\">Sign in with Autodesk</a></header>"),
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title></head><body>{header}<main><h1>{title}</h1>\n{body}\n</main></body></html>\n",
        title = escape(title),
    )
}

/// A list of links: `(href, text)`, both escaped here.
pub fn link_list(id: &str, links: impl IntoIterator<Item = (String, String)>) -> String {
    let mut html = format!("<ul id=\"{}\">", escape(id));
    for (href, text) in links {
        html.push_str(&format!(
            "<li><a href=\"{}\">{}</a></li>",
            escape(&href),
            escape(&text)
        ));
    }
    html.push_str("</ul>");
    html
}

/// An HTML response with the app's headers, setting `cookies`.
pub fn respond(status: StatusCode, html: String, cookies: &[String]) -> Response {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    finish(response, cookies)
}

/// A `303 See Other` to `location` (a path of this app, or the authorize URL), setting `cookies`.
pub fn redirect(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    match HeaderValue::from_str(location) {
        Ok(value) => {
            response.headers_mut().insert(LOCATION, value);
        }
        Err(_) => {
            return respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                page("Error", None, "<p>A redirect could not be written.</p>"),
                cookies,
            );
        }
    }
    finish(response, cookies)
}

fn finish(mut response: Response, cookies: &[String]) -> Response {
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; form-action 'self'; frame-ancestors 'none'"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_cannot_become_markup() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(
            segment("urn:adsk.wipprod:fs.folder:co/x y?"),
            "urn%3Aadsk.wipprod%3Afs.folder%3Aco%2Fx%20y%3F"
        );
        let html = page("<b>", Some("\"><img>"), "");
        assert!(
            !html.contains("<b>") && !html.contains("\"><img>"),
            "{html}"
        );
        let list = link_list("l", [("/a?b=\"c\"".to_string(), "<i>".to_string())]);
        assert!(list.contains("href=\"/a?b=&quot;c&quot;\"") && list.contains("&lt;i&gt;"));
    }
}
