//! [`Config`]: what the app reads from its environment, checked once at start.

use std::net::SocketAddr;

use aps_auth_generated::oauth::KeyRing;
use url::Url;

/// The variable holding the key ring that seals tokens and sign-ins at rest.
pub const TOKEN_KEYS: &str = "APS_TOKEN_KEYS";

/// The variable that lets a deployment on Redis run without [`TOKEN_KEYS`] (`1` or `true`).
pub const ALLOW_CLEAR_TOKENS: &str = "APP_ALLOW_CLEAR_TOKENS";

/// The app's settings. `Debug` leaves out the client secret, the Redis URL (which may hold a
/// password) and the keys (it shows their ids).
#[derive(Clone)]
pub struct Config {
    /// `APS_CLIENT_ID`: the APS app's client id.
    pub client_id: String,
    /// `APS_CLIENT_SECRET`: the APS app's client secret.
    pub client_secret: String,
    /// `APS_BASE_URL`: where APS is (default: production, `https://developer.api.autodesk.com`).
    pub aps_base_url: Option<String>,
    /// `REDIS_URL`: the Redis server shared by every instance; memory when unset (one instance).
    pub redis_url: Option<String>,
    /// `APP_LISTEN`: the address to listen on (default `127.0.0.1:8080`; port 0 picks one).
    pub listen: SocketAddr,
    /// `APP_BASE_URL`: the app's address as browsers see it (the load balancer's when there are
    /// several instances); default `http://<APP_LISTEN>`. The redirect URI is
    /// `<APP_BASE_URL>/callback`: register it as a callback URL of the APS app.
    pub base_url: Option<Url>,
    /// `APS_TOKEN_KEYS`: the key ring (`<id>:<base64 of 32 bytes>`, the current key first,
    /// comma-separated) that seals the tokens and the sign-ins in progress on Redis. Required on
    /// Redis off loopback, unless `APP_ALLOW_CLEAR_TOKENS` (see [`Config::from_lookup`]).
    pub token_keys: Option<KeyRing>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("aps_base_url", &self.aps_base_url)
            .field("redis", &self.redis_url.is_some())
            .field("listen", &self.listen)
            .field("base_url", &self.base_url.as_ref().map(Url::as_str))
            .field("token_keys", &self.token_keys)
            .finish_non_exhaustive()
    }
}

/// A setting is missing or wrong; the message names the variable and says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl Config {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (a variable's value, `None` when unset).
    ///
    /// Tokens at rest: with `APS_TOKEN_KEYS` the token store and the sign-ins in progress are
    /// sealed. Without it they are kept in clear, which is refused when they would leave the
    /// machine for a shared Redis in a real deployment: `REDIS_URL` set and the app's public
    /// address (`APP_BASE_URL`, else `APP_LISTEN`) not loopback; `APP_ALLOW_CLEAR_TOKENS=1`
    /// accepts it knowingly. On loopback (development) the app starts and logs a warning.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let required = |variable: &'static str| {
            set(variable).ok_or(ConfigError {
                variable,
                reason: "not set".into(),
            })
        };
        let listen = match set("APP_LISTEN") {
            Some(text) => text.parse().map_err(|e| ConfigError {
                variable: "APP_LISTEN",
                reason: format!("`{text}` is not an address like 127.0.0.1:8080: {e}"),
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let base_url = set("APP_BASE_URL")
            .map(|text| public_base_url(&text))
            .transpose()?;
        let token_keys = set(TOKEN_KEYS)
            .map(|text| {
                // The parse error names the entry by its place, never its text.
                KeyRing::parse(&text).map_err(|e| ConfigError {
                    variable: TOKEN_KEYS,
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        let allow_clear = match set(ALLOW_CLEAR_TOKENS).as_deref() {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(ConfigError {
                    variable: ALLOW_CLEAR_TOKENS,
                    reason: format!("`{other}` is not 1, true, 0 or false"),
                });
            }
        };
        let redis_url = set("REDIS_URL");
        let on_loopback = base_url
            .as_ref()
            .map_or(listen.ip().is_loopback(), is_loopback);
        if redis_url.is_some() && token_keys.is_none() && !on_loopback && !allow_clear {
            return Err(ConfigError {
                variable: TOKEN_KEYS,
                reason: format!(
                    "not set, and the app is deployed (not on loopback) with REDIS_URL: tokens \
                     would be stored in clear on Redis. Set it to `1:<base64 of 32 random \
                     bytes>` (`openssl rand -base64 32`), or set {ALLOW_CLEAR_TOKENS}=1 to \
                     accept tokens in clear"
                ),
            });
        }
        Ok(Config {
            client_id: required("APS_CLIENT_ID")?,
            client_secret: required("APS_CLIENT_SECRET")?,
            aps_base_url: set("APS_BASE_URL"),
            redis_url,
            listen,
            base_url,
            token_keys,
        })
    }

    /// Whether tokens and sign-ins go to Redis in clear (no `APS_TOKEN_KEYS`): the app then
    /// logs a warning at start.
    pub fn clear_on_redis(&self) -> bool {
        self.redis_url.is_some() && self.token_keys.is_none()
    }
}

/// `APP_BASE_URL` checked: http(s), no query or fragment, https unless loopback (the session
/// cookie is `Secure` off loopback, and a browser keeps no `Secure` cookie from plain http).
fn public_base_url(text: &str) -> Result<Url, ConfigError> {
    let wrong = |reason: String| ConfigError {
        variable: "APP_BASE_URL",
        reason,
    };
    let url = Url::parse(text).map_err(|e| wrong(format!("`{text}` is not a URL: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(wrong(format!("`{text}` has a query or fragment")));
    }
    if url.path() != "/" {
        return Err(wrong(format!(
            "`{text}` has a path: give the origin only (the app's routes are at its root)"
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(wrong(format!(
            "`{text}` is plain http off loopback: use https (the session cookie is Secure)"
        ))),
        other => Err(wrong(format!("`{text}` has scheme `{other}`, not http(s)"))),
    }
}

/// Whether `url` is plain http on a loopback host (the one case where cookies are not `Secure`).
pub fn is_loopback_http(url: &Url) -> bool {
    url.scheme() == "http" && is_loopback(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn reads_every_variable_and_names_the_wrong_one() {
        let c = config(&[
            ("APS_CLIENT_ID", "id"),
            ("APS_CLIENT_SECRET", "very-secret"),
            ("APP_LISTEN", "127.0.0.1:0"),
            ("APP_BASE_URL", "https://app.example.com"),
            ("REDIS_URL", "redis://:pw@127.0.0.1:6379/"),
            (TOKEN_KEYS, "1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="),
        ])
        .unwrap();
        assert_eq!(c.listen.port(), 0);
        assert!(!is_loopback_http(c.base_url.as_ref().unwrap()));
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("very-secret") && !debug.contains("pw") && !debug.contains("MDEy"),
            "{debug}"
        );

        let missing = config(&[("APS_CLIENT_ID", "id")]).unwrap_err();
        assert_eq!(missing.variable, "APS_CLIENT_SECRET");
        let base = |url| {
            config(&[
                ("APS_CLIENT_ID", "id"),
                ("APS_CLIENT_SECRET", "s"),
                ("APP_BASE_URL", url),
            ])
        };
        assert_eq!(
            base("http://app.example.com").unwrap_err().variable,
            "APP_BASE_URL"
        );
        assert!(base("ftp://127.0.0.1").is_err() && base("http://127.0.0.1/?a=1").is_err());
        assert!(base("https://app.example.com/app").is_err());
        assert!(base("https://app.example.com/").is_ok());
        assert!(is_loopback_http(
            &base("http://localhost:1").unwrap().base_url.unwrap()
        ));
        assert!(is_loopback_http(
            &base("http://[::1]:1").unwrap().base_url.unwrap()
        ));
        let listen = config(&[
            ("APS_CLIENT_ID", "id"),
            ("APS_CLIENT_SECRET", "s"),
            ("APP_LISTEN", "nowhere"),
        ]);
        assert_eq!(listen.unwrap_err().variable, "APP_LISTEN");
    }

    #[test]
    fn tokens_in_clear_on_a_deployed_redis_are_refused_unless_allowed() {
        let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes
        let with = |extra: &[(&str, &str)]| {
            let mut vars = vec![("APS_CLIENT_ID", "id"), ("APS_CLIENT_SECRET", "s")];
            vars.extend_from_slice(extra);
            config(&vars)
        };
        let deployed = [
            ("APP_BASE_URL", "https://app.example.com"),
            ("REDIS_URL", "redis://127.0.0.1/"),
        ];
        let refused = with(&deployed).unwrap_err();
        assert_eq!(refused.variable, TOKEN_KEYS);
        assert!(refused.reason.contains(ALLOW_CLEAR_TOKENS), "{refused}");
        // Listening on every interface without APP_BASE_URL is deployed too.
        let listening = with(&[("APP_LISTEN", "0.0.0.0:0"), ("REDIS_URL", "redis://h/")]);
        assert_eq!(listening.unwrap_err().variable, TOKEN_KEYS);

        let allowed = with(&[deployed[0], deployed[1], (ALLOW_CLEAR_TOKENS, "1")]).unwrap();
        assert!(allowed.clear_on_redis());
        let typo = with(&[deployed[0], deployed[1], (ALLOW_CLEAR_TOKENS, "yes")]);
        assert_eq!(typo.unwrap_err().variable, ALLOW_CLEAR_TOKENS);
        // On loopback (development), or without Redis, the app starts (and warns on Redis).
        let dev = with(&[("REDIS_URL", "redis://127.0.0.1/")]).unwrap();
        assert!(dev.clear_on_redis());
        assert!(!with(&deployed[..1]).unwrap().clear_on_redis());

        let ring = format!("2:{key},1:{key}");
        let keyed = with(&[deployed[0], deployed[1], (TOKEN_KEYS, &ring)]).unwrap();
        let keys = keyed.token_keys.as_ref().unwrap();
        assert_eq!(keys.current_id(), "2");
        assert!(!keyed.clear_on_redis());
        assert!(!format!("{keyed:?}").contains(key), "{keyed:?}");

        // A wrong ring is named, never echoed.
        let wrong = format!("1:{key},1:{key}");
        for text in [wrong.as_str(), "1:c2hvcnQ=", "just-a-secret-value"] {
            let error = with(&[(TOKEN_KEYS, text)]).unwrap_err();
            assert_eq!(error.variable, TOKEN_KEYS, "{error}");
            assert!(!error.to_string().contains(&text[2..]), "{error}");
        }
    }
}
