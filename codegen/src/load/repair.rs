//! Liberal reading of published documents: defects whose meaning is clear are repaired in the raw
//! value before `oas3` reads it, each with a [`Warning`] that says what was done.
//!
//! - `openapi` and `info.version` written as numbers (`version: 1.0` in YAML) are read as text.
//! - URLs `oas3` requires to be absolute (a security scheme's `tokenUrl`, `authorizationUrl`,
//!   `refreshUrl`, `openIdConnectUrl`; `termsOfService`, `contact.url`, `license.url`,
//!   `externalDocs.url`) may be relative: they are resolved against the first server, as OpenAPI
//!   3.0 says, or against the placeholder `https://invalid.example/` when no server URL is
//!   absolute. An empty one is dropped where it is optional and replaced by the placeholder where
//!   it is required (`externalDocs` without a URL is dropped whole).

use serde_json::{Map, Value};

use crate::error::{Pointer, Warning};

/// Stands in for a URL the document does not give (the `.invalid` top-level domain never
/// resolves, RFC 2606).
const PLACEHOLDER: &str = "https://invalid.example/";

/// HTTP methods: the keys of a path item that hold operations.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `openapi: 3.0` and `info: {version: 1.0}` (YAML numbers) are read as the text they were
/// meant to be.
pub(super) fn version_numbers(raw: &mut Value, warnings: &mut Vec<Warning>) {
    let mut to_text = |value: &mut Value, ptr: Pointer, key: &str| {
        if let Value::Number(n) = value {
            let text = n.to_string();
            warnings.push(Warning {
                pointer: ptr,
                message: format!(
                    "`{key}` is the number {text}, not text; it is read as `{text}` (quote it so YAML keeps it exactly)"
                ),
            });
            *value = Value::String(text);
        }
    };
    if let Some(value) = raw.get_mut("openapi") {
        to_text(value, Pointer::root().push("openapi"), "openapi");
    }
    if let Some(value) = raw.get_mut("info").and_then(|info| info.get_mut("version")) {
        to_text(
            value,
            Pointer::root().push("info").push("version"),
            "version",
        );
    }
}

/// Whether a URL may be left out (dropped when empty) or must be there (the placeholder stands in).
#[derive(Clone, Copy, PartialEq)]
enum Need {
    Optional,
    Required,
}

/// Repairs the URLs `oas3` reads as absolute URLs (and `openIdConnectUrl`, which it reads as
/// text but which must be a URL all the same).
pub(super) fn urls(raw: &mut Value, warnings: &mut Vec<Warning>) {
    let mut fixer = UrlFixer {
        base: first_server(raw),
        warnings,
    };
    let Value::Object(doc) = raw else { return };
    let root = Pointer::root();
    if let Some(Value::Object(info)) = doc.get_mut("info") {
        let info_ptr = root.push("info");
        fixer.fix(info, &info_ptr, "termsOfService", Need::Optional);
        for part in ["contact", "license"] {
            if let Some(Value::Object(map)) = info.get_mut(part) {
                fixer.fix(map, &info_ptr.push(part), "url", Need::Optional);
            }
        }
    }
    fixer.external_docs(doc, &root);
    for section in ["paths", "webhooks"] {
        if let Some(Value::Object(items)) = doc.get_mut(section) {
            for (path, item) in items.iter_mut() {
                fixer.path_item(item, &root.push(section).push(path));
            }
        }
    }
    let Some(Value::Object(components)) = doc.get_mut("components") else {
        return;
    };
    let components_ptr = root.push("components");
    if let Some(Value::Object(items)) = components.get_mut("pathItems") {
        for (name, item) in items.iter_mut() {
            fixer.path_item(item, &components_ptr.push("pathItems").push(name));
        }
    }
    if let Some(Value::Object(schemes)) = components.get_mut("securitySchemes") {
        for (name, scheme) in schemes.iter_mut() {
            if let Value::Object(scheme) = scheme {
                let ptr = components_ptr.push("securitySchemes").push(name);
                fixer.security_scheme(scheme, &ptr);
            }
        }
    }
}

/// The first server's URL with its variables' defaults filled in, when it is absolute.
fn first_server(raw: &Value) -> Option<String> {
    let server = raw.get("servers")?.get(0)?;
    let mut url = server.get("url")?.as_str()?.to_owned();
    if let Some(Value::Object(variables)) = server.get("variables") {
        for (name, variable) in variables {
            if let Some(default) = variable.get("default").and_then(Value::as_str) {
                url = url.replace(&format!("{{{name}}}"), default);
            }
        }
    }
    (has_scheme(&url) && url.contains("://") && !url.contains('{')).then_some(url)
}

struct UrlFixer<'a> {
    /// What relative URLs are resolved against: the first server's absolute URL.
    base: Option<String>,
    warnings: &'a mut Vec<Warning>,
}

impl UrlFixer<'_> {
    fn warn(&mut self, pointer: Pointer, message: String) {
        self.warnings.push(Warning { pointer, message });
    }

    /// Repairs `map[key]` when it is an empty or relative URL.
    fn fix(&mut self, map: &mut Map<String, Value>, ptr: &Pointer, key: &str, need: Need) {
        let Some(Value::String(url)) = map.get(key) else {
            return;
        };
        let url = url.trim().to_owned();
        let at = ptr.push(key);
        if url.is_empty() {
            match need {
                Need::Optional => {
                    map.remove(key);
                    self.warn(at, format!("`{key}` is empty and is ignored"));
                }
                Need::Required => {
                    map.insert(key.into(), PLACEHOLDER.into());
                    self.warn(
                        at,
                        format!(
                            "`{key}` is empty; the placeholder `{PLACEHOLDER}` stands in for it (the document does not say where this endpoint is)"
                        ),
                    );
                }
            }
        } else if !has_scheme(&url) {
            let (resolved, against) = match &self.base {
                Some(base) => (
                    resolve(base, &url),
                    "resolved against the first server".to_owned(),
                ),
                None => (
                    resolve(PLACEHOLDER, &url),
                    format!(
                        "resolved against the placeholder `{PLACEHOLDER}` since no server URL is absolute"
                    ),
                ),
            };
            self.warn(
                at,
                format!(
                    "`{key}` is the relative URL `{url}`; it is read as `{resolved}`, {against}"
                ),
            );
            map.insert(key.into(), resolved.into());
        }
    }

    /// `externalDocs` of an object: its URL repaired, or the whole of it dropped when the URL
    /// is empty (an `externalDocs` needs one).
    fn external_docs(&mut self, map: &mut Map<String, Value>, ptr: &Pointer) {
        let Some(Value::Object(docs)) = map.get_mut("externalDocs") else {
            return;
        };
        let docs_ptr = ptr.push("externalDocs");
        if docs
            .get("url")
            .and_then(Value::as_str)
            .is_some_and(|url| url.trim().is_empty())
        {
            map.remove("externalDocs");
            self.warn(
                docs_ptr,
                "`externalDocs` has an empty `url` and is ignored".into(),
            );
        } else {
            self.fix(docs, &docs_ptr, "url", Need::Required);
        }
    }

    /// The `externalDocs` of each operation of a path item.
    fn path_item(&mut self, item: &mut Value, ptr: &Pointer) {
        let Value::Object(item) = item else { return };
        for method in METHODS {
            if let Some(Value::Object(op)) = item.get_mut(method) {
                self.external_docs(op, &ptr.push(method));
            }
        }
    }

    /// The URLs of a security scheme: its OAuth 2.0 flows' and its OpenID Connect discovery URL.
    fn security_scheme(&mut self, scheme: &mut Map<String, Value>, ptr: &Pointer) {
        if scheme.contains_key("$ref") {
            return;
        }
        self.fix(scheme, ptr, "openIdConnectUrl", Need::Required);
        let Some(Value::Object(flows)) = scheme.get_mut("flows") else {
            return;
        };
        let flows_ptr = ptr.push("flows");
        for (name, flow) in flows.iter_mut() {
            let Value::Object(flow) = flow else { continue };
            let flow_ptr = flows_ptr.push(name);
            self.fix(flow, &flow_ptr, "authorizationUrl", Need::Required);
            self.fix(flow, &flow_ptr, "tokenUrl", Need::Required);
            self.fix(flow, &flow_ptr, "refreshUrl", Need::Optional);
        }
    }
}

/// Whether a URL starts with a scheme (`https:`), i.e. is not a relative reference (RFC 3986).
fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Resolves the relative reference `reference` against the absolute URL `base` (RFC 3986,
/// section 5.2).
fn resolve(base: &str, reference: &str) -> String {
    let base = base.split('#').next().unwrap_or(base);
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    let (authority, base_path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let base_path = base_path.split('?').next().unwrap_or_default();
    if let Some(network) = reference.strip_prefix("//") {
        return format!("{scheme}://{network}");
    }
    let origin = format!("{scheme}://{authority}");
    if reference.starts_with('/') {
        return format!("{origin}{}", remove_dot_segments(reference));
    }
    if reference.starts_with('?') || reference.starts_with('#') {
        let path = if base_path.is_empty() { "/" } else { base_path };
        return format!("{origin}{path}{reference}");
    }
    // A relative path: the base's directory, then the reference.
    let directory = match base_path.rfind('/') {
        Some(i) => &base_path[..=i],
        None => "/",
    };
    format!(
        "{origin}{}",
        remove_dot_segments(&format!("{directory}{reference}"))
    )
}

/// Removes `.` and `..` segments from a path (its query and fragment untouched).
fn remove_dot_segments(path: &str) -> String {
    let split = path.find(['?', '#']).unwrap_or(path.len());
    let (path, tail) = path.split_at(split);
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." if last => out.push(""),
            "." => {}
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            other => out.push(other),
        }
    }
    format!("/{}{tail}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(doc: Value) -> (Value, Vec<String>) {
        let mut doc = doc;
        let mut warnings = Vec::new();
        version_numbers(&mut doc, &mut warnings);
        urls(&mut doc, &mut warnings);
        (doc, warnings.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn relative_references_resolve_as_rfc_3986_says() {
        let base = "https://api.example.com/v1/things?x=1";
        assert_eq!(resolve(base, "/token"), "https://api.example.com/token");
        assert_eq!(resolve(base, "token"), "https://api.example.com/v1/token");
        assert_eq!(resolve(base, "../token"), "https://api.example.com/token");
        assert_eq!(
            resolve(base, "./a/./b/../c"),
            "https://api.example.com/v1/a/c"
        );
        assert_eq!(
            resolve(base, "//other.example/t"),
            "https://other.example/t"
        );
        assert_eq!(
            resolve(base, "?q=2"),
            "https://api.example.com/v1/things?q=2"
        );
        assert_eq!(resolve("https://h.example", "t"), "https://h.example/t");
        assert_eq!(resolve(PLACEHOLDER, "/a/b"), "https://invalid.example/a/b");
        assert!(has_scheme("https://x") && has_scheme("urn:x") && !has_scheme("/a:b"));
        assert!(!has_scheme("a/b:c") && !has_scheme("") && !has_scheme("1x:y"));
    }

    #[test]
    fn a_relative_token_url_is_resolved_against_the_first_server() {
        let (doc, warnings) = repaired(serde_json::json!({
            "servers": [{"url": "https://{host}/api", "variables": {"host": {"default": "h.example"}}}],
            "components": {"securitySchemes": {"o": {"type": "oauth2", "flows": {
                "clientCredentials": {"tokenUrl": "/authentication/v1/authenticate", "refreshUrl": "", "scopes": {}},
                "authorizationCode": {"authorizationUrl": "", "tokenUrl": "token", "scopes": {}}
            }}}}
        }));
        let flows = &doc["components"]["securitySchemes"]["o"]["flows"];
        assert_eq!(
            flows["clientCredentials"]["tokenUrl"],
            "https://h.example/authentication/v1/authenticate"
        );
        assert!(flows["clientCredentials"].get("refreshUrl").is_none());
        assert_eq!(flows["authorizationCode"]["authorizationUrl"], PLACEHOLDER);
        assert_eq!(
            flows["authorizationCode"]["tokenUrl"],
            "https://h.example/token"
        );
        assert_eq!(
            warnings,
            [
                "warning: #/components/securitySchemes/o/flows/clientCredentials/tokenUrl: `tokenUrl` is the relative URL `/authentication/v1/authenticate`; it is read as `https://h.example/authentication/v1/authenticate`, resolved against the first server",
                "warning: #/components/securitySchemes/o/flows/clientCredentials/refreshUrl: `refreshUrl` is empty and is ignored",
                "warning: #/components/securitySchemes/o/flows/authorizationCode/authorizationUrl: `authorizationUrl` is empty; the placeholder `https://invalid.example/` stands in for it (the document does not say where this endpoint is)",
                "warning: #/components/securitySchemes/o/flows/authorizationCode/tokenUrl: `tokenUrl` is the relative URL `token`; it is read as `https://h.example/token`, resolved against the first server",
            ]
        );
    }

    #[test]
    fn without_an_absolute_server_the_placeholder_is_the_base() {
        let (doc, warnings) = repaired(serde_json::json!({
            "servers": [{"url": "/api"}],
            "components": {"securitySchemes": {"o": {"type": "openIdConnect", "openIdConnectUrl": "/.well-known/openid-configuration"}}}
        }));
        assert_eq!(
            doc["components"]["securitySchemes"]["o"]["openIdConnectUrl"],
            "https://invalid.example/.well-known/openid-configuration"
        );
        assert!(
            warnings[0]
                .contains("placeholder `https://invalid.example/` since no server URL is absolute"),
            "{warnings:?}"
        );
    }

    #[test]
    fn documentation_urls_and_version_numbers() {
        let (doc, warnings) = repaired(serde_json::json!({
            "openapi": 3.0,
            "info": {"version": 1.0, "termsOfService": "", "license": {"name": "MIT", "url": "LICENSE"}},
            "servers": [{"url": "https://h.example/api/"}],
            "externalDocs": {"url": " "},
            "paths": {"/a": {"get": {"externalDocs": {"url": "docs/a"}}}}
        }));
        assert_eq!(doc["openapi"], "3.0");
        assert_eq!(doc["info"]["version"], "1.0");
        assert!(doc["info"].get("termsOfService").is_none());
        assert_eq!(
            doc["info"]["license"]["url"],
            "https://h.example/api/LICENSE"
        );
        assert!(doc.get("externalDocs").is_none());
        assert_eq!(
            doc["paths"]["/a"]["get"]["externalDocs"]["url"],
            "https://h.example/api/docs/a"
        );
        assert_eq!(warnings.len(), 6, "{warnings:#?}");
        assert!(
            warnings[0].contains("`openapi` is the number 3.0"),
            "{warnings:#?}"
        );
    }
}
