//! Every setting is an environment variable with a default; this is the one place that reads
//! them, validates them and says clearly what is wrong. The token is kept in a type whose Debug
//! and Display never show it.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The bot token. Never printed: `{:?}` and `{}` show `***`.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("TELOXIDE_TOKEN is not set. Set it to the token @BotFather gave you (or KASIP_TOKEN_FILE to a file holding it). To try the matcher without a bot: kasip match \"нейрохирург\"")]
    MissingToken,
    #[error("TELOXIDE_TOKEN does not look like a bot token (expected <digits>:<secret> from @BotFather)")]
    MalformedToken,
    #[error("cannot read KASIP_TOKEN_FILE {0}")]
    TokenFile(String),
    #[error("{name} is not valid: {problem}")]
    Invalid { name: &'static str, problem: String },
    #[error("KASIP_WEBHOOK_URL is set, so KASIP_WEBHOOK_SECRET must be set too (1–256 characters A-Z a-z 0-9 _ -): Telegram sends it with every update and requests without it are refused")]
    WebhookWithoutSecret,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: url::Url,
    pub listen: SocketAddr,
    pub secret: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub token: Token,
    /// Bot API server (TELOXIDE_API_URL), e.g. a self-hosted telegram-bot-api or a test stand-in.
    pub api_url: Option<url::Url>,
    /// SQLite file (KASIP_DB, default `kasip.db` in the working directory).
    pub db: PathBuf,
    pub webhook: Option<Webhook>,
    /// Telegram user ids allowed to use /stats (KASIP_ADMINS, comma separated).
    pub admins: Vec<u64>,
    /// Query log and language choices older than this are deleted (KASIP_RETENTION_DAYS, 90).
    pub retention: Duration,
    /// Messages a user may send per minute (KASIP_RATE_LIMIT, 30); their lines are limited to two
    /// full batches a minute, and the first message of a minute is always answered.
    pub rate_limit: u32,
    /// Lines answered from one message (KASIP_BATCH_MAX, 50).
    pub batch_max: usize,
    /// Largest document accepted, in KB (KASIP_FILE_MAX_KB, 512).
    pub file_max_kb: u32,
    /// The HTTPS address of the search page as a Telegram Mini App (KASIP_WEBAPP_URL): the menu
    /// button and a button under /start and /list open it.
    pub webapp_url: Option<url::Url>,
    /// How long a stop (SIGTERM/SIGINT) may take to finish replies in flight; the rest stays
    /// pending for the next start (KASIP_SHUTDOWN_SECS, 8).
    pub shutdown: Duration,
    /// Notices after an amendment sent per second at most, overall (KASIP_NOTICE_RATE, 25; one a
    /// second per chat whatever this is). Telegram's bulk limit is about 30 a second.
    pub notice_rate: u32,
}

fn valid_token(t: &str) -> bool {
    match t.split_once(':') {
        Some((id, secret)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && secret.len() >= 20
                && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }
        None => false,
    }
}

fn parse<T: std::str::FromStr>(name: &'static str, v: Option<String>, default: T) -> Result<T, ConfigError>
where
    T::Err: fmt::Display,
{
    match v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s.parse().map_err(|e: T::Err| ConfigError::Invalid { name, problem: format!("`{s}`: {e}") }),
    }
}

/// The bot token from TELOXIDE_TOKEN or KASIP_TOKEN_FILE; `None` when neither is set (the web
/// server runs without one; only its Telegram Mini App endpoint needs it).
pub fn token_from_env(env: &impl Fn(&str) -> Option<String>) -> Result<Option<Token>, ConfigError> {
    let raw = match (env("TELOXIDE_TOKEN"), env("KASIP_TOKEN_FILE")) {
        (Some(t), _) if !t.trim().is_empty() => t,
        (_, Some(file)) if !file.trim().is_empty() => std::fs::read_to_string(file.trim()).map_err(|_| ConfigError::TokenFile(file))?,
        _ => return Ok(None),
    };
    let raw = raw.trim().to_string();
    if !valid_token(&raw) {
        return Err(ConfigError::MalformedToken);
    }
    Ok(Some(Token(raw)))
}

/// The web server (`kasip serve`, or beside the bot when KASIP_HTTP_LISTEN is set).
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// KASIP_HTTP_LISTEN, default 127.0.0.1:8080 (`kasip serve --listen` overrides it).
    pub listen: SocketAddr,
    /// Requests per client IP per minute (KASIP_HTTP_RATE_LIMIT, 600; 0 = no limit).
    pub rate_limit: u32,
    /// Origins allowed to call the API from a browser (KASIP_HTTP_CORS_ORIGINS, comma separated;
    /// none by default: CORS off).
    pub cors_origins: Vec<String>,
    /// Largest request body, in KB (KASIP_HTTP_BODY_MAX_KB, 1024).
    pub body_max_kb: usize,
    /// A request that takes longer is answered 503 (KASIP_HTTP_TIMEOUT_SECS, 10).
    pub timeout: Duration,
    /// Take the client's IP from the last X-Forwarded-For entry (KASIP_HTTP_TRUST_PROXY=true,
    /// behind your HTTPS reverse proxy); otherwise the peer address.
    pub trust_proxy: bool,
    /// Telegram Mini App initData older than this is refused (KASIP_WEBAPP_MAX_AGE_SECS, 86400).
    pub webapp_max_age: Duration,
    /// Recent verdicts kept in memory (KASIP_HTTP_CACHE, 4096; 0 = none).
    pub cache_entries: usize,
}

impl HttpConfig {
    pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<HttpConfig, ConfigError> {
        let body_max_kb: usize = parse("KASIP_HTTP_BODY_MAX_KB", env("KASIP_HTTP_BODY_MAX_KB"), 1024)?;
        let timeout: u64 = parse("KASIP_HTTP_TIMEOUT_SECS", env("KASIP_HTTP_TIMEOUT_SECS"), 10)?;
        if body_max_kb == 0 || timeout == 0 {
            let name = if timeout == 0 { "KASIP_HTTP_TIMEOUT_SECS" } else { "KASIP_HTTP_BODY_MAX_KB" };
            return Err(ConfigError::Invalid { name, problem: "must be at least 1".into() });
        }
        let cors_origins = env("KASIP_HTTP_CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|o| match url::Url::parse(o) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(o.trim_end_matches('/').to_string()),
                _ => Err(ConfigError::Invalid { name: "KASIP_HTTP_CORS_ORIGINS", problem: format!("`{o}` is not an origin like https://crm.example.org") }),
            })
            .collect::<Result<_, _>>()?;
        let trust_proxy = match env("KASIP_HTTP_TRUST_PROXY").map(|s| s.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("0") | Some("false") | Some("no") => false,
            Some("1") | Some("true") | Some("yes") => true,
            Some(other) => return Err(ConfigError::Invalid { name: "KASIP_HTTP_TRUST_PROXY", problem: format!("`{other}`: use true or false") }),
        };
        Ok(HttpConfig {
            listen: parse("KASIP_HTTP_LISTEN", env("KASIP_HTTP_LISTEN"), Self::DEFAULT_LISTEN)?,
            rate_limit: parse("KASIP_HTTP_RATE_LIMIT", env("KASIP_HTTP_RATE_LIMIT"), 600)?,
            cors_origins,
            body_max_kb,
            timeout: Duration::from_secs(timeout),
            trust_proxy,
            webapp_max_age: Duration::from_secs(parse("KASIP_WEBAPP_MAX_AGE_SECS", env("KASIP_WEBAPP_MAX_AGE_SECS"), 86400)?),
            cache_entries: parse("KASIP_HTTP_CACHE", env("KASIP_HTTP_CACHE"), 4096)?,
        })
    }
}

impl Config {
    /// Reads the configuration through `env` (std::env::var in main, a map in tests).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let token = token_from_env(&env)?.ok_or(ConfigError::MissingToken)?;
        let api_url = match env("TELOXIDE_API_URL").filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(u) => Some(url::Url::parse(u.trim()).map_err(|e| ConfigError::Invalid { name: "TELOXIDE_API_URL", problem: e.to_string() })?),
        };
        let webhook = match env("KASIP_WEBHOOK_URL").filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(u) => {
                let url = url::Url::parse(u.trim()).map_err(|e| ConfigError::Invalid { name: "KASIP_WEBHOOK_URL", problem: e.to_string() })?;
                if url.scheme() != "https" {
                    return Err(ConfigError::Invalid { name: "KASIP_WEBHOOK_URL", problem: "Telegram only calls https URLs".into() });
                }
                let secret = env("KASIP_WEBHOOK_SECRET").map(|s| s.trim().to_string()).unwrap_or_default();
                let ok = (1..=256).contains(&secret.len()) && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !ok {
                    return Err(ConfigError::WebhookWithoutSecret);
                }
                let listen = parse("KASIP_WEBHOOK_LISTEN", env("KASIP_WEBHOOK_LISTEN"), SocketAddr::from(([0, 0, 0, 0], 8443)))?;
                Some(Webhook { url, listen, secret })
            }
        };
        let admins = match env("KASIP_ADMINS") {
            None => Vec::new(),
            Some(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|id| id.parse::<u64>().map_err(|e| ConfigError::Invalid { name: "KASIP_ADMINS", problem: format!("`{id}`: {e}") }))
                .collect::<Result<_, _>>()?,
        };
        let webapp_url = match env("KASIP_WEBAPP_URL").filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(u) => {
                let url = url::Url::parse(u.trim()).map_err(|e| ConfigError::Invalid { name: "KASIP_WEBAPP_URL", problem: e.to_string() })?;
                if url.scheme() != "https" {
                    return Err(ConfigError::Invalid { name: "KASIP_WEBAPP_URL", problem: "Telegram opens Mini Apps only over https".into() });
                }
                Some(url)
            }
        };
        let retention_days: u64 = parse("KASIP_RETENTION_DAYS", env("KASIP_RETENTION_DAYS"), 90)?;
        if retention_days == 0 {
            return Err(ConfigError::Invalid { name: "KASIP_RETENTION_DAYS", problem: "must be at least 1".into() });
        }
        let shutdown_secs: u64 = parse("KASIP_SHUTDOWN_SECS", env("KASIP_SHUTDOWN_SECS"), 8)?;
        if !(1..=300).contains(&shutdown_secs) {
            return Err(ConfigError::Invalid { name: "KASIP_SHUTDOWN_SECS", problem: "must be between 1 and 300".into() });
        }
        let notice_rate: u32 = parse("KASIP_NOTICE_RATE", env("KASIP_NOTICE_RATE"), 25)?;
        if !(1..=1000).contains(&notice_rate) {
            return Err(ConfigError::Invalid { name: "KASIP_NOTICE_RATE", problem: "must be between 1 and 1000 (Telegram allows about 30 a second)".into() });
        }
        Ok(Config {
            notice_rate,
            token,
            api_url,
            db: parse("KASIP_DB", env("KASIP_DB"), PathBuf::from("kasip.db"))?,
            webhook,
            admins,
            retention: Duration::from_secs(retention_days * 86400),
            rate_limit: parse("KASIP_RATE_LIMIT", env("KASIP_RATE_LIMIT"), 30)?,
            batch_max: parse("KASIP_BATCH_MAX", env("KASIP_BATCH_MAX"), 50)?,
            file_max_kb: parse("KASIP_FILE_MAX_KB", env("KASIP_FILE_MAX_KB"), 512)?,
            webapp_url,
            shutdown: Duration::from_secs(shutdown_secs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const TOKEN: &str = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678";

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_env(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let c = cfg(&[("TELOXIDE_TOKEN", TOKEN)]).unwrap();
        assert_eq!(c.db, PathBuf::from("kasip.db"));
        assert_eq!(c.rate_limit, 30);
        assert!(c.webhook.is_none());
        assert_eq!(c.retention, Duration::from_secs(90 * 86400));
        assert_eq!(c.shutdown, Duration::from_secs(8));
        assert!(cfg(&[("TELOXIDE_TOKEN", TOKEN), ("KASIP_SHUTDOWN_SECS", "0")]).is_err());
    }

    #[test]
    fn token_errors_are_clear_and_never_echo_the_token() {
        assert_eq!(cfg(&[]).unwrap_err(), ConfigError::MissingToken);
        let e = cfg(&[("TELOXIDE_TOKEN", "not-a-token-secret-value")]).unwrap_err();
        assert_eq!(e, ConfigError::MalformedToken);
        assert!(!e.to_string().contains("secret-value"));
        let c = cfg(&[("TELOXIDE_TOKEN", TOKEN)]).unwrap();
        assert!(!format!("{c:?}").contains("ABCdef"));
    }

    #[test]
    fn webhook_needs_https_and_a_secret() {
        let base = [("TELOXIDE_TOKEN", TOKEN), ("KASIP_WEBHOOK_URL", "https://example.org/hook")];
        assert_eq!(cfg(&base).unwrap_err(), ConfigError::WebhookWithoutSecret);
        let c = cfg(&[base[0], base[1], ("KASIP_WEBHOOK_SECRET", "s3cret_token")]).unwrap();
        assert_eq!(c.webhook.unwrap().listen.port(), 8443);
        assert!(cfg(&[base[0], ("KASIP_WEBHOOK_URL", "http://example.org/"), ("KASIP_WEBHOOK_SECRET", "x")]).is_err());
    }

    #[test]
    fn http_defaults_and_bad_values() {
        let h = HttpConfig::from_env(|_| None).unwrap();
        assert_eq!(h.listen, HttpConfig::DEFAULT_LISTEN);
        assert_eq!((h.rate_limit, h.body_max_kb, h.trust_proxy), (600, 1024, false));
        assert!(h.cors_origins.is_empty(), "CORS is off by default");
        let m: HashMap<&str, &str> =
            [("KASIP_HTTP_CORS_ORIGINS", "https://crm.example.org/, http://localhost:3000"), ("KASIP_HTTP_LISTEN", "0.0.0.0:9000")].into();
        let h = HttpConfig::from_env(|k| m.get(k).map(|s| s.to_string())).unwrap();
        assert_eq!(h.cors_origins, ["https://crm.example.org", "http://localhost:3000"]);
        assert_eq!(h.listen.port(), 9000);
        for (k, v) in [("KASIP_HTTP_CORS_ORIGINS", "*"), ("KASIP_HTTP_LISTEN", "nope"), ("KASIP_HTTP_RATE_LIMIT", "-1"), ("KASIP_HTTP_TRUST_PROXY", "maybe")] {
            let e = HttpConfig::from_env(|x| (x == k).then(|| v.to_string())).unwrap_err();
            assert!(e.to_string().contains(k), "{e}");
        }
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let e = cfg(&[("TELOXIDE_TOKEN", TOKEN), ("KASIP_ADMINS", "1, two")]).unwrap_err();
        assert!(e.to_string().contains("KASIP_ADMINS"), "{e}");
        let e = cfg(&[("TELOXIDE_TOKEN", TOKEN), ("KASIP_RATE_LIMIT", "-5")]).unwrap_err();
        assert!(e.to_string().contains("KASIP_RATE_LIMIT"), "{e}");
    }
}
