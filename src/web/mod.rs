//! The web front door (`kasip serve`, or beside the bot): a JSON API for offices, the search page
//! that is also a Telegram Mini App, `/healthz` and `/metrics`. The same matcher, replies and
//! file formats as the bot and the CLI; nothing here decides a verdict or writes a sentence.
//!
//! Every request passes one guard: the per-IP rate limit (429 with `Retry-After`), a timeout
//! (503), and the metrics. Bodies are bounded (413), queries too (400); every API error is JSON
//! with a stable `error` code. CORS is off unless origins are allowed by configuration.

mod api;
pub mod initdata;
pub mod limit;
mod page;

use crate::catalog::Catalog;
use crate::config::{HttpConfig, Token};
use crate::lang::Lang;
use crate::matcher::{Matcher, Verdict};
use crate::metrics::Metrics;
use crate::store::service::Storage;
use crate::store::LogRow;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use tracing::info;

/// Longest query accepted, in characters (the matcher reads the first 256).
pub const QUERY_MAX_CHARS: usize = 500;
/// Most queries in one `POST /api/v1/match`.
pub const MAX_QUERIES: usize = 1000;
/// Most rows in one CSV/XLSX posted to `/api/v1/match`.
pub const MAX_ROWS: usize = 5000;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("the web server stopped: {0}")]
    Serve(std::io::Error),
}

/// What the web server is built from.
pub struct Deps {
    pub catalog: Arc<Catalog>,
    /// The bot's database (its writer thread commits in batches, off the answer's path): the
    /// anonymous query log, and the language a Mini App user picks.
    pub store: Option<Arc<Storage>>,
    /// The bot token, to validate Telegram Mini App initData (without it that endpoint is off).
    pub token: Option<Token>,
    pub metrics: &'static Metrics,
}

/// Recent verdicts by query text: popular occupations and the page's as-you-type prefixes repeat,
/// and a verdict depends on nothing but the text (the list is fixed while the process runs).
/// Sharded; a full shard is emptied and refills, which bounds memory without bookkeeping.
struct VerdictCache {
    shards: Vec<std::sync::Mutex<std::collections::HashMap<String, Verdict>>>,
    per_shard: usize,
}

const CACHE_SHARDS: usize = 16;

impl VerdictCache {
    fn new(entries: usize) -> VerdictCache {
        VerdictCache { shards: (0..CACHE_SHARDS).map(|_| Default::default()).collect(), per_shard: entries.div_ceil(CACHE_SHARDS) }
    }

    fn get_or_match(&self, query: &str, matcher: &Matcher) -> Verdict {
        if self.per_shard == 0 {
            return matcher.match_query(query);
        }
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        query.hash(&mut h);
        let shard = &self.shards[h.finish() as usize % CACHE_SHARDS];
        if let Some(v) = shard.lock().unwrap_or_else(|e| e.into_inner()).get(query) {
            return v.clone();
        }
        let v = matcher.match_query(query);
        let mut m = shard.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= self.per_shard {
            m.clear();
        }
        m.insert(query.to_string(), v.clone());
        v
    }
}

pub(crate) struct AppState {
    catalog: Arc<Catalog>,
    matcher: Matcher,
    cache: VerdictCache,
    config: HttpConfig,
    limiter: limit::RateLimiter,
    metrics: &'static Metrics,
    store: Option<Arc<Storage>>,
    token: Option<Token>,
    page: page::Page,
}

type Shared = Arc<AppState>;

impl AppState {
    fn new(config: HttpConfig, deps: Deps) -> AppState {
        AppState {
            matcher: Matcher::new(deps.catalog.clone()),
            cache: VerdictCache::new(config.cache_entries),
            page: page::Page::new(),
            catalog: deps.catalog,
            limiter: limit::RateLimiter::new(config.rate_limit),
            config,
            metrics: deps.metrics,
            store: deps.store,
            token: deps.token,
        }
    }

    /// The verdict for a query, from the cache when it was asked lately.
    fn verdict(&self, query: &str) -> Verdict {
        self.cache.get_or_match(query, &self.matcher)
    }

    /// Counts a verdict and logs its query (unless `partial`: the page's as-you-type requests).
    fn record(&self, lang: Lang, query: &str, v: &Verdict, partial: bool) {
        self.metrics.verdict(crate::metrics::Source::Web, v.kind);
        if partial {
            return;
        }
        if let Some(store) = &self.store {
            store.log(LogRow {
                at: crate::store::now(),
                lang,
                verdict: v.kind.as_str(),
                code: v.code.as_ref().map(|c| c.to_string()),
                query: query.to_string(),
            });
        }
    }
}

/// An API error: a status, a stable machine code and a sentence, as JSON.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), retry_after: None }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(serde_json::json!({"error": self.code, "message": self.message}))).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// Routes as metric labels (a fixed set, whatever paths clients try).
const ROUTES: &[&str] = &[
    "/",
    "/p/{code}",
    "/assets/{file}",
    "/healthz",
    "/metrics",
    "/api/v1/match",
    "/api/v1/professions",
    "/api/v1/professions/{code}",
    "/api/v1/fields",
    "/api/v1/openapi.json",
    "/api/v1/webapp/lang",
];

fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The client's address: the peer, or behind a trusted proxy the last X-Forwarded-For entry (the
/// one the proxy itself added).
fn client_ip(req: &Request, trust_proxy: bool) -> IpAddr {
    if trust_proxy {
        let forwarded = req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).last();
        if let Some(ip) = forwarded.and_then(|s| s.trim().parse().ok()) {
            return ip;
        }
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Rate limit, timeout, metrics and a few safe headers, for every request.
async fn guard(State(s): State<Shared>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req.extensions().get::<MatchedPath>().and_then(|m| ROUTES.iter().find(|r| **r == m.as_str()).copied()).unwrap_or("other");
    let method = method_label(req.method());
    let limited = !matches!(route, "/healthz" | "/metrics");
    let mut resp = match limited.then(|| s.limiter.check(client_ip(&req, s.config.trust_proxy), start)) {
        Some(Err(wait)) => {
            s.metrics.rate_limited();
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("too many requests from this address; retry in {secs} s"));
            e.retry_after = Some(secs);
            e.into_response()
        }
        _ => match tokio::time::timeout(s.config.timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", "the request took too long").into_response(),
        },
    };
    resp.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    s.metrics.request(route, method, resp.status().as_u16(), start.elapsed());
    resp
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn metrics(State(s): State<Shared>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.metrics.render())
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route; see /api/v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take that method; see /api/v1/openapi.json")
}

/// The language a browser asks for (Accept-Language, by preference), if we speak it.
pub(crate) fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    let h = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut tags: Vec<(f32, &str)> = h
        .split(',')
        .filter_map(|part| {
            let mut it = part.split(';');
            let tag = it.next()?.trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=")).map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            Some((q, tag))
        })
        .collect();
    tags.sort_by(|a, b| b.0.total_cmp(&a.0));
    tags.into_iter().filter(|(q, _)| *q > 0.0).find_map(|(_, t)| Lang::from_telegram(t))
}

/// All routes, with the guard and the limits.
pub(crate) fn router(state: Shared) -> Router {
    let body_max = state.config.body_max_kb * 1024;
    let cors = state.config.cors_origins.clone();
    let mut r = Router::new()
        .route("/api/v1/match", get(api::match_get).post(api::match_post))
        .route("/api/v1/professions", get(api::professions))
        .route("/api/v1/professions/{code}", get(api::profession))
        .route("/api/v1/fields", get(api::fields))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/webapp/lang", post(api::webapp_lang))
        .route("/", get(page::index))
        .route("/p/{code}", get(page::profession))
        .route("/assets/{file}", get(page::asset))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_max))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state);
    if !cors.is_empty() {
        use tower_http::cors::{AllowOrigin, CorsLayer};
        let origins: Vec<HeaderValue> = cors.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        r = r.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::ACCEPT_LANGUAGE])
                .max_age(std::time::Duration::from_secs(3600)),
        );
    }
    r
}

/// Builds the app from `deps`, for tests that call it without a socket.
pub fn app(config: HttpConfig, deps: Deps) -> Router {
    router(Arc::new(AppState::new(config, deps)))
}

/// Serves on `config.listen` until `shutdown` completes.
pub async fn serve(config: HttpConfig, deps: Deps, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), WebError> {
    let addr = config.listen;
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| WebError::Bind { addr, source })?;
    serve_on(listener, config, deps, shutdown).await
}

/// Serves on a bound listener (tests bind port 0) until `shutdown` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: HttpConfig,
    deps: Deps,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let addr = listener.local_addr().map_err(WebError::Serve)?;
    let app = app(config, deps);
    info!(%addr, "web server listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await.map_err(WebError::Serve)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_answers_like_the_matcher_and_stays_bounded() {
        let m = Matcher::new(Arc::new(Catalog::embedded().unwrap()));
        let c = VerdictCache::new(32);
        for q in ["нейрохирург", "врач", "хирург", "нейрохирург"] {
            assert_eq!(c.get_or_match(q, &m), m.match_query(q));
        }
        for i in 0..1000 {
            c.get_or_match(&format!("query {i}"), &m);
        }
        let total: usize = c.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(total <= 32, "{total}");
        let off = VerdictCache::new(0);
        assert_eq!(off.get_or_match("врач", &m), m.match_query("врач"));
        assert!(off.shards.iter().all(|s| s.lock().unwrap().is_empty()));
    }

    #[test]
    fn accept_language_by_preference() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(v).unwrap());
            accept_language(&m)
        };
        assert_eq!(h("kk-KZ,ru;q=0.8,en;q=0.5"), Some(Lang::Kk));
        assert_eq!(h("de-DE,de;q=0.9,en;q=0.8,ru;q=0.9"), Some(Lang::Ru));
        assert_eq!(h("en-US"), Some(Lang::En));
        assert_eq!(h("de, fr;q=0.5"), None);
        assert_eq!(h("ru;q=0, en;q=0.1"), Some(Lang::En));
        assert_eq!(accept_language(&HeaderMap::new()), None);
    }
}
