//! Security schemes: the OAuth 2.0 scopes they declare (the `Scope` enum), how each operation
//! authenticates (bearer token, HTTP Basic client credentials, API key in a header or the query,
//! or nothing), and where an API key goes when the operation is a browser redirect (into the URL
//! it builds).

use oas3::spec::{Operation as OasOperation, SecurityScheme};

use super::{Lowerer, Result};
use crate::error::{ErrorKind, Pointer, SpecError};
use crate::model::{
    Auth, BearerOption, KeyPlacement, OperationKind, Param, ParamLocation, ScopeDef,
};
use crate::naming::{self, Namespace};

impl Lowerer<'_> {
    /// The OAuth 2.0 scopes every security scheme's flows declare, each once, in document order.
    pub(super) fn scopes(&mut self) -> Result<Vec<ScopeDef>> {
        let spec = &self.doc.spec;
        let mut seen: Vec<(String, String)> = Vec::new();
        let Some(components) = &spec.components else {
            return Ok(Vec::new());
        };
        for (name, scheme) in &components.security_schemes {
            let ptr = Pointer::root()
                .push("components")
                .push("securitySchemes")
                .push(name);
            let scheme = self.resolve(scheme, &ptr)?;
            if let SecurityScheme::OAuth2 { flows, .. } = scheme {
                let maps = [
                    flows.implicit.as_ref().map(|f| &f.scopes),
                    flows.password.as_ref().map(|f| &f.scopes),
                    flows.client_credentials.as_ref().map(|f| &f.scopes),
                    flows.authorization_code.as_ref().map(|f| &f.scopes),
                ];
                for (value, doc) in maps.into_iter().flatten().flatten() {
                    if !seen.iter().any(|(v, _)| v == value) {
                        seen.push((value.clone(), doc.clone()));
                    }
                }
            }
        }
        let mut ns = Namespace::with_reserved(&["Other"]);
        let wire: Vec<&str> = seen.iter().map(|(v, _)| v.as_str()).collect();
        let names = naming::assign(&wire, naming::camel, &mut ns);
        Ok(seen
            .into_iter()
            .zip(names)
            .map(|((value, doc), rust_name)| ScopeDef {
                rust_name,
                value,
                doc,
            })
            .collect())
    }

    /// How the operation authenticates: its own `security`, else the document's. Every scheme
    /// that takes a bearer token becomes an option of the bearer input (in document order, with
    /// its scopes); without one, the first API key in a header or the query.
    pub(super) fn auth(&mut self, op: &OasOperation, ptr: &Pointer) -> Result<Auth> {
        // `security: []` on an operation (no auth) differs from no `security` key (inherit).
        let own = ptr
            .lookup(&self.doc.raw)
            .and_then(|o| o.get("security"))
            .is_some();
        let (requirements, req_ptr) = match own {
            true => (op.security.clone(), ptr.push("security")),
            false => (
                self.doc.spec.security.clone(),
                Pointer::root().push("security"),
            ),
        };
        if requirements.is_empty() {
            return Ok(Auth::None);
        }
        let optional = requirements.iter().any(|r| r.0.is_empty());
        let schemes = self
            .doc
            .spec
            .components
            .as_ref()
            .map(|c| c.security_schemes.clone())
            .unwrap_or_default();
        // Every requirement's schemes, resolved, in document order.
        let mut resolved = Vec::new();
        for (i, req) in requirements.iter().enumerate() {
            for (name, scopes) in &req.0 {
                let scheme_ptr = Pointer::root()
                    .push("components")
                    .push("securitySchemes")
                    .push(name);
                let Some(scheme) = schemes.get(name) else {
                    return Err(SpecError::new(
                        req_ptr.push(i.to_string()).push(name),
                        ErrorKind::DanglingRef(format!("#/components/securitySchemes/{name}")),
                    ));
                };
                resolved.push((
                    name.clone(),
                    scopes.clone(),
                    self.resolve(scheme, &scheme_ptr)?,
                ));
            }
        }
        // Bearer schemes become options of one bearer input, the token coming from the call or
        // the client's token source; failing those, the first HTTP Basic scheme (credentials
        // from the call or the client) or API key is asked for.
        let options: Vec<BearerOption> = resolved
            .iter()
            .filter_map(|(name, scopes, scheme)| bearer_option(name, scopes, scheme))
            .collect();
        if !options.is_empty() {
            return Ok(Auth::Bearer { optional, options });
        }
        for (scheme_name, _, scheme) in resolved {
            match scheme {
                SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                    return Ok(Auth::Basic {
                        scheme: scheme_name,
                        optional,
                        own_header: None,
                    });
                }
                SecurityScheme::ApiKey { name, location, .. }
                    if location == "header" || location == "query" =>
                {
                    let placement = if location == "header" {
                        KeyPlacement::Header
                    } else {
                        KeyPlacement::Query
                    };
                    return Ok(Auth::ApiKey {
                        name,
                        placement,
                        optional,
                    });
                }
                other => {
                    let what = match other {
                        SecurityScheme::Http { scheme, .. } => format!("http `{scheme}`"),
                        SecurityScheme::ApiKey { location, .. } => {
                            format!("apiKey in `{location}`")
                        }
                        _ => "this security scheme".into(),
                    };
                    self.warn(&req_ptr, format!("{what} authentication is not generated; add it with a custom reqwest client"));
                }
            }
        }
        Ok(Auth::None)
    }
}

/// The bearer option a scheme gives, if it takes a bearer token: OAuth 2.0 (its flows say whose
/// tokens), OpenID Connect (users), http bearer (anyone's).
fn bearer_option(name: &str, scopes: &[String], scheme: &SecurityScheme) -> Option<BearerOption> {
    let (app, user) = match scheme {
        SecurityScheme::OAuth2 { flows, .. } => {
            let app = flows.client_credentials.is_some();
            let user = flows.authorization_code.is_some()
                || flows.implicit.is_some()
                || flows.password.is_some();
            // A scheme with no flow at all still takes a bearer token: anyone's.
            if app || user {
                (app, user)
            } else {
                (true, true)
            }
        }
        SecurityScheme::OpenIdConnect { .. } => (false, true),
        SecurityScheme::Http { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
            (true, true)
        }
        _ => return None,
    };
    let mut seen = Vec::new();
    for scope in scopes {
        if !seen.contains(scope) {
            seen.push(scope.clone());
        }
    }
    Some(BearerOption {
        scheme: name.to_owned(),
        app,
        user,
        scopes: seen,
    })
}

/// A browser redirect is a URL the user's browser opens: it cannot carry a header, so a query
/// API key goes into the query of the URL the method builds, and a bearer token or header key
/// is not asked for at all.
pub(super) fn for_kind(auth: Auth, kind: &OperationKind) -> Auth {
    if *kind != OperationKind::Redirect {
        return auth;
    }
    match auth {
        Auth::ApiKey {
            name,
            placement: KeyPlacement::Query,
            optional,
        } => Auth::ApiKey {
            name,
            placement: KeyPlacement::UrlQuery,
            optional,
        },
        Auth::ApiKey { .. } | Auth::Bearer { .. } | Auth::Basic { .. } => Auth::None,
        other => other,
    }
}

/// An operation sending HTTP Basic credentials that also declares an `Authorization` header
/// parameter of its own (Secure Service Accounts' token exchange): a call that sets the
/// parameter sends it instead of the credentials, never two `Authorization` headers.
pub(super) fn with_own_header(auth: Auth, params: &[Param]) -> Auth {
    match auth {
        Auth::Basic {
            scheme, optional, ..
        } => Auth::Basic {
            scheme,
            optional,
            own_header: params
                .iter()
                .find(|p| {
                    p.location == ParamLocation::Header
                        && p.wire_name.eq_ignore_ascii_case("authorization")
                })
                .map(|p| p.rust_name.clone()),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use crate::model::{Auth, KeyPlacement};

    fn doc(op_security: &str) -> String {
        format!(
            "security: [{{k: []}}]\ncomponents:\n  securitySchemes:\n    k: {{type: apiKey, in: query, name: key}}\npaths:\n  /a:\n    get:\n      operationId: a\n{op_security}      responses: {{'200': {{description: ok}}}}\n  /login:\n    get:\n      operationId: login\n      responses: {{'302': {{description: redirect}}}}\n"
        )
    }

    #[test]
    fn operations_inherit_the_document_security_unless_they_say_otherwise() {
        let (api, _) = lowered(&doc(""));
        assert!(matches!(
            api.operations[0].auth,
            Auth::ApiKey {
                placement: KeyPlacement::Query,
                optional: false,
                ..
            }
        ));
        let (api, _) = lowered(&doc("      security: []\n"));
        assert_eq!(api.operations[0].auth, Auth::None);
    }

    #[test]
    fn a_redirect_carries_its_query_key_in_the_url() {
        let (api, _) = lowered(&doc(""));
        assert!(matches!(
            api.operations[1].auth,
            Auth::ApiKey {
                placement: KeyPlacement::UrlQuery,
                ..
            }
        ));
    }

    #[test]
    fn declared_scopes_are_collected_once() {
        let (api, _) = lowered(
            "components:\n  securitySchemes:\n    a: {type: oauth2, flows: {implicit: {authorizationUrl: 'https://x', scopes: {'data:read': r, other: o}}}}\n    b: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://x', scopes: {'data:read': again}}}}\n",
        );
        let values: Vec<&str> = api.scopes.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(values, ["data:read", "other"]);
        assert_eq!(
            api.scopes[1].rust_name, "Other2",
            "`Other` is the catch-all variant"
        );
    }

    #[test]
    fn http_basic_is_generated_and_knows_the_operations_own_authorization_header() {
        let (api, warnings) = lowered(
            "components:\n  securitySchemes:\n    basic-authorization: {type: http, scheme: basic}\npaths:\n  /token:\n    post:\n      operationId: token\n      security: [{basic-authorization: []}]\n      parameters: [{name: Authorization, in: header, schema: {type: string}}]\n      responses: {'200': {description: ok}}\n  /open:\n    get:\n      operationId: open\n      security: [{basic-authorization: []}, {}]\n      responses: {'200': {description: ok}}\n",
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            api.operations[0].auth,
            Auth::Basic {
                scheme: "basic-authorization".into(),
                optional: false,
                own_header: Some("authorization".into()),
            }
        );
        assert_eq!(
            api.operations[1].auth,
            Auth::Basic {
                scheme: "basic-authorization".into(),
                optional: true,
                own_header: None,
            }
        );
    }
}
