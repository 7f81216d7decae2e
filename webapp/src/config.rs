//! [`Config`]: what the app reads from its environment, checked once at start.

use std::net::SocketAddr;

use url::Url;

/// The app's settings. `Debug` leaves out the client secret and the Redis URL (which may hold a
/// password).
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
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("client_id", &self.client_id)
            .field("aps_base_url", &self.aps_base_url)
            .field("redis", &self.redis_url.is_some())
            .field("listen", &self.listen)
            .field("base_url", &self.base_url.as_ref().map(Url::as_str))
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
        Ok(Config {
            client_id: required("APS_CLIENT_ID")?,
            client_secret: required("APS_CLIENT_SECRET")?,
            aps_base_url: set("APS_BASE_URL"),
            redis_url: set("REDIS_URL"),
            listen,
            base_url,
        })
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
        ])
        .unwrap();
        assert_eq!(c.listen.port(), 0);
        assert!(!is_loopback_http(c.base_url.as_ref().unwrap()));
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("very-secret") && !debug.contains("pw"),
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
}
