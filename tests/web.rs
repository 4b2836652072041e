//! The web server through real HTTP on 127.0.0.1: every route, the same verdicts as the CLI, JSON
//! errors with stable codes, the limits (rate, body, query length), Telegram Mini App initData,
//! CORS, metrics, the page and the query log.

use kasip::config::HttpConfig;
use kasip::metrics::Metrics;
use kasip::store::service::Storage;
use kasip::store::Store;
use kasip::web::{initdata, Deps};
use kasip::{Catalog, Lang};
use reqwest::header::HeaderMap;
use serde_json::{json, Value};
use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9";

struct Server {
    base: String,
    db: std::path::PathBuf,
    metrics: &'static Metrics,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    /// The database as the bot and `kasip report` read it.
    fn store(&self) -> Store {
        Store::open(&self.db).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

fn config(f: impl FnOnce(&mut HttpConfig)) -> HttpConfig {
    let mut c = HttpConfig::from_env(|_| None).unwrap();
    f(&mut c);
    c
}

async fn start(cfg: HttpConfig, token: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let store = Arc::new(Storage::open(&db).unwrap());
    // Each server its own counters, so tests running side by side do not see each other's.
    let metrics: &'static Metrics = Box::leak(Box::new(Metrics::new()));
    let token = token.then(|| kasip::config::token_from_env(&|k: &str| (k == "TELOXIDE_TOKEN").then(|| TOKEN.to_string())).unwrap().unwrap());
    let deps = Deps { catalog: Arc::new(Catalog::embedded().unwrap()), store: Some(store.clone()), token, metrics };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(kasip::web::serve_on(listener, cfg, deps, async {
        let _ = rx.await;
    }));
    Server { base: format!("http://{addr}"), db, metrics, _dir: dir, stop: Some(tx) }
}

async fn get(s: &Server, path: &str) -> (u16, HeaderMap, String) {
    let r = reqwest::get(format!("{}{path}", s.base)).await.unwrap();
    (r.status().as_u16(), r.headers().clone(), r.text().await.unwrap())
}

async fn get_json(s: &Server, path: &str) -> (u16, Value) {
    let (st, _, body) = get(s, path).await;
    (st, serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: not JSON: {body}")))
}

fn q(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn cli_json(queries: &[&str]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kasip"))
        .args(["match", "--json"])
        .env_remove("KASIP_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all((queries.join("\n") + "\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test]
async fn match_gives_the_clis_verdicts_with_names_in_the_asked_language() {
    let s = start(config(|_| {}), false).await;
    let queries = [
        "нейрохирург",
        "кардиохирург",
        "врач",
        "программист",
        "software developer",
        "ghjuhfvvbcn",
        "2512-1-007",
        "педиатр дәрігер",
        "медсестра",
        "neirohirurg",
    ];
    let cli = cli_json(&queries);
    assert_eq!(cli.len(), queries.len());
    for (query, want) in queries.iter().zip(&cli) {
        let (st, v) = get_json(&s, &format!("/api/v1/match?q={}&lang=ru", q(query))).await;
        assert_eq!(st, 200, "{query}");
        for key in ["query", "verdict", "code", "candidates"] {
            assert_eq!(v[key], want[key], "{query}: {key} differs from `kasip match --json`");
        }
    }
    let (_, v) = get_json(&s, "/api/v1/match?q=neurosurgeon&lang=en").await;
    assert_eq!((v["verdict"].as_str(), v["code"].as_str()), (Some("listed"), Some("2217-4-001")));
    assert_eq!(v["profession"]["name"], "Neurosurgeon");
    assert_eq!(v["profession"]["name_ru"], "Врач-нейрохирург");
    assert_eq!(v["profession"]["fields"][0]["name"], "Healthcare");
    assert_eq!(v["verdict_text"], "on the list");
    assert!(v["text"].as_str().unwrap().starts_with("✅") && v["text"].as_str().unwrap().contains("Basis"), "{v}");
    let (_, v) = get_json(&s, &format!("/api/v1/match?q={}&lang=kk", q("кардиохирург"))).await;
    assert_eq!(v["verdict"], "not_listed");
    assert!(v["text"].as_str().unwrap().contains("тізбесінде жоқ"), "the bot's Kazakh text: {v}");
    // No lang: the browser's language, else Russian.
    let r = reqwest::Client::new().get(format!("{}/api/v1/match?q=nurse", s.base)).header("Accept-Language", "kk-KZ,kk;q=0.9").send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["lang"], "kk");
    let (_, v) = get_json(&s, "/api/v1/match?q=nurse").await;
    assert_eq!(v["lang"], "ru");
}

#[tokio::test]
async fn post_answers_each_query_in_order_and_files_in_their_own_format() {
    let s = start(config(|_| {}), false).await;
    let c = reqwest::Client::new();
    let r = c.post(format!("{}/api/v1/match", s.base)).json(&json!({"queries": ["нейрохирург", "кардиохирург", "врач"], "lang": "en"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let got: Vec<(&str, Option<&str>)> = v["results"].as_array().unwrap().iter().map(|x| (x["verdict"].as_str().unwrap(), x["code"].as_str())).collect();
    assert_eq!(got, [("listed", Some("2217-4-001")), ("not_listed", None), ("unsure", None)]);

    let r = c
        .post(format!("{}/api/v1/match?lang=ru", s.base))
        .header("Content-Type", "text/csv")
        .body("client;профессия\nИванов;нейрохирург\nПетров;=HYPERLINK(\"x\")\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("kasip.csv"));
    let text = r.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a BOM for spreadsheet programs");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("client,профессия,verdict,verdict_text,code,name,field,candidates"));
    assert_eq!(lines.next(), Some("Иванов,нейрохирург,listed,в перечне,2217-4-001,Врач-нейрохирург,Здравоохранение,"));
    assert!(lines.next().unwrap().starts_with("Петров,\"'=HYPERLINK"), "{text}");

    // .xlsx in, .xlsx out.
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("in.xlsx");
    let st = Command::new(env!("CARGO_BIN_EXE_kasip")).args(["match", "--out", book.to_str().unwrap(), "врач"]).status().unwrap();
    assert!(st.success());
    let r = c
        .post(format!("{}/api/v1/match?lang=en", s.base))
        .header("Content-Type", kasip::formats::XLSX_MIME)
        .body(std::fs::read(&book).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], kasip::formats::XLSX_MIME);
    let back = kasip::formats::read(&r.bytes().await.unwrap(), kasip::formats::Kind::Xlsx, 10).unwrap();
    assert_eq!(back.queries().collect::<Vec<_>>(), ["врач"]);
    assert!(back.header.unwrap().contains(&"candidates".to_string()));
}

#[tokio::test]
async fn bad_input_gets_4xx_json_with_a_stable_code() {
    let s = start(config(|c| c.body_max_kb = 1), false).await;
    let long = q(&"developer ".repeat(1000));
    for (path, status, code) in [
        ("/api/v1/match?q=&lang=ru".to_string(), 400, "empty_query"),
        ("/api/v1/match?lang=ru".to_string(), 400, "empty_query"),
        (format!("/api/v1/match?q={long}"), 400, "query_too_long"),
        ("/api/v1/match?q=x&lang=xx".to_string(), 400, "bad_lang"),
        ("/api/v1/professions/9999-9-999".to_string(), 404, "unknown_code"),
        ("/api/v1/professions/abc".to_string(), 400, "bad_code"),
        ("/api/v1/professions?field=bogus".to_string(), 404, "unknown_field"),
        ("/api/v1/nothing".to_string(), 404, "not_found"),
        ("/api/v1/webapp/lang".to_string(), 405, "method_not_allowed"),
    ] {
        let (st, v) = get_json(&s, &path).await;
        assert_eq!((st, v["error"].as_str()), (status, Some(code)), "{path}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let c = reqwest::Client::new();
    let post = |body: reqwest::Body, ct: &'static str| c.post(format!("{}/api/v1/match", s.base)).header("Content-Type", ct).body(body).send();
    for (body, ct, status, code) in [
        ("{\"queries\": 5}".to_string(), "application/json", 400, "bad_json"),
        ("{\"queries\": []}".to_string(), "application/json", 400, "empty_query"),
        ("x".repeat(2048), "text/csv", 413, "body_too_large"),
        ("<x/>".to_string(), "application/xml", 415, "unsupported_media_type"),
        ("PK not really a workbook".to_string(), kasip::formats::XLSX_MIME, 400, "bad_file"),
        ("{\"init_data\": \"x\", \"lang\": \"kk\"}".to_string(), "application/json", 404, "not_found"),
    ] {
        let r = if code == "not_found" { c.post(format!("{}/api/v1/nowhere", s.base)).body(body).send().await } else { post(body.into(), ct).await }.unwrap();
        let st = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        assert_eq!((st, v["error"].as_str()), (status, Some(code)), "{v}");
    }
    // Within the body limit, but more queries than a request may carry.
    let s = start(config(|_| {}), false).await;
    let many: Vec<&str> = vec!["a"; 1001];
    let r = reqwest::Client::new().post(format!("{}/api/v1/match", s.base)).json(&json!({ "queries": many })).send().await.unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "too_many_queries");
}

#[tokio::test]
async fn the_list_fields_and_openapi() {
    let s = start(config(|_| {}), false).await;
    let (st, v) = get_json(&s, "/api/v1/professions?lang=en").await;
    assert_eq!(st, 200);
    let codes: std::collections::BTreeSet<&str> = v["professions"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!((codes.len(), v["count"].as_u64()), (51, Some(51)));
    let (_, v) = get_json(&s, "/api/v1/professions?lang=ru&field=healthcare").await;
    assert_eq!(v["count"], 9);
    assert!(v["professions"].as_array().unwrap().iter().all(|p| p["fields"].as_array().unwrap().iter().any(|f| f["id"] == "healthcare")));
    let (st, v) = get_json(&s, "/api/v1/professions/2217-4-001?lang=kk").await;
    assert_eq!(st, 200);
    assert_eq!((v["code"].as_str(), v["verdict"].as_str()), (Some("2217-4-001"), Some("listed")));
    assert!(v["text"].as_str().unwrap().contains("2217-4-001") && v["basis"].as_str().unwrap().contains("49"), "{v}");
    let (st, v) = get_json(&s, "/api/v1/professions/22174001").await;
    assert_eq!((st, v["code"].as_str()), (200, Some("2217-4-001")), "digits without separators");
    let (_, v) = get_json(&s, "/api/v1/fields?lang=en").await;
    let ids: Vec<&str> = v["fields"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["healthcare", "natural_sciences", "engineering", "digital", "pedagogy", "creative"]);
    assert_eq!(v["fields"][0]["name"], "Healthcare");
    let (st, v) = get_json(&s, "/api/v1/openapi.json").await;
    assert_eq!(st, 200);
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for p in ["/api/v1/match", "/api/v1/professions", "/api/v1/professions/{code}", "/api/v1/fields", "/api/v1/webapp/lang", "/healthz", "/metrics"] {
        assert!(v["paths"].get(p).is_some(), "openapi.json lacks {p}");
    }
    let (st, v) = get_json(&s, "/healthz").await;
    assert_eq!((st, v["status"].as_str()), (200, Some("ok")));
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let s = start(config(|c| c.rate_limit = 5), false).await;
    for i in 0..5 {
        assert_eq!(get(&s, "/api/v1/match?q=x").await.0, 200, "request {i}");
    }
    let (st, h, body) = get(&s, "/api/v1/match?q=x").await;
    assert_eq!(st, 429);
    let wait: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"], "rate_limited");
    assert_eq!(get(&s, "/healthz").await.0, 200, "health checks are not limited");
    assert!(s.metrics.render().contains("kasip_http_rate_limited_total 1"));
}

#[tokio::test]
async fn webapp_lang_takes_only_telegrams_fresh_signature() {
    let s = start(config(|_| {}), true).await;
    let now = kasip::store::now().to_string();
    let user = r#"{"id":4242001,"first_name":"Web","language_code":"ru"}"#;
    let good = initdata::sign(&[("auth_date", &now), ("query_id", "AAH"), ("user", user)], TOKEN);
    let forged = initdata::sign(&[("auth_date", &now), ("query_id", "AAH"), ("user", user)], "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0");
    let old = (kasip::store::now() - 10 * 86400).to_string();
    let stale = initdata::sign(&[("auth_date", &old), ("user", user)], TOKEN);
    let c = reqwest::Client::new();
    let send = |init: String, lang: &str| c.post(format!("{}/api/v1/webapp/lang", s.base)).json(&json!({"init_data": init, "lang": lang})).send();
    let r = send(forged, "kk").await.unwrap();
    assert_eq!((r.status().as_u16(), r.json::<Value>().await.unwrap()["error"].as_str().map(String::from)), (401, Some("bad_init_data".into())));
    let r = send(stale, "kk").await.unwrap();
    assert_eq!((r.status().as_u16(), r.json::<Value>().await.unwrap()["error"].as_str().map(String::from)), (401, Some("stale_init_data".into())));
    let r = send(good.replace("4242001", "4242002"), "kk").await.unwrap();
    assert_eq!(r.status(), 401, "a changed user id breaks the signature");
    assert_eq!(s.store().user_lang(4242001).unwrap(), None, "nothing saved from refused data");
    let r = send(good.clone(), "xx").await.unwrap();
    assert_eq!(r.status(), 400);
    // Telegram's JavaScript name for it, and both names at once, are fine too.
    let r = c.post(format!("{}/api/v1/webapp/lang", s.base)).json(&json!({"initData": good, "init_data": good, "lang": "en"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(s.store().user_lang(4242001).unwrap(), Some(Lang::En));
    let r = send(good, "kk").await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(s.store().user_lang(4242001).unwrap(), Some(Lang::Kk), "the bot answers this user in Kazakh now");
    // Without a bot token the endpoint is off, and says so.
    let s = start(config(|_| {}), false).await;
    let r = reqwest::Client::new().post(format!("{}/api/v1/webapp/lang", s.base)).json(&json!({"init_data": "x", "lang": "kk"})).send().await.unwrap();
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn metrics_count_what_was_served() {
    let s = start(config(|_| {}), false).await;
    for query in ["нейрохирург", "нейрохирург", "кардиохирург", "врач"] {
        get(&s, &format!("/api/v1/match?q={}", q(query))).await;
    }
    get(&s, "/api/v1/match?q=").await;
    get(&s, "/api/v1/professions/9999-9-999").await;
    let (st, h, t) = get(&s, "/metrics").await;
    assert_eq!(st, 200);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    for line in [
        "kasip_http_requests_total{route=\"/api/v1/match\",method=\"GET\",status=\"200\"} 4",
        "kasip_http_requests_total{route=\"/api/v1/match\",method=\"GET\",status=\"400\"} 1",
        "kasip_http_requests_total{route=\"/api/v1/professions/{code}\",method=\"GET\",status=\"404\"} 1",
        "kasip_http_request_duration_seconds_count{route=\"/api/v1/match\"} 5",
        "kasip_http_request_duration_seconds_bucket{route=\"/api/v1/match\",le=\"+Inf\"} 5",
        "kasip_verdicts_total{source=\"web\",verdict=\"listed\"} 2",
        "kasip_verdicts_total{source=\"web\",verdict=\"not_listed\"} 1",
        "kasip_verdicts_total{source=\"web\",verdict=\"unsure\"} 1",
    ] {
        assert!(t.contains(line), "missing {line:?} in\n{t}");
    }
}

#[tokio::test]
async fn cors_is_off_by_default_and_an_allow_list_by_configuration() {
    let s = start(config(|_| {}), false).await;
    let c = reqwest::Client::new();
    let r = c.get(format!("{}/api/v1/match?q=x", s.base)).header("Origin", "https://evil.example").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let s = start(config(|c| c.cors_origins = vec!["https://crm.example.org".into()]), false).await;
    let r = c.get(format!("{}/api/v1/match?q=x", s.base)).header("Origin", "https://crm.example.org").send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "https://crm.example.org");
    let r = c.get(format!("{}/api/v1/match?q=x", s.base)).header("Origin", "https://evil.example").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = c
        .request(reqwest::Method::OPTIONS, format!("{}/api/v1/match", s.base))
        .header("Origin", "https://crm.example.org")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success() && r.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
}

#[tokio::test]
async fn the_page_is_self_contained_small_and_in_the_asked_language() {
    let s = start(config(|_| {}), false).await;
    let (st, h, html) = get(&s, "/?q=x&lang=kk").await;
    assert_eq!(st, 200);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("connect-src 'self'"), "{csp}");
    assert!(html.contains("<html lang=\"kk\">") && html.contains("\"lang\":\"kk\""), "{}", &html[..300]);
    assert!(html.contains("Кәсіп немесе ҰКЖ коды"), "the Kazakh strings are embedded");
    assert!(!html.contains("https://") && !html.contains("http://"), "no external resource in the HTML");
    let (_, js_h, js) = get(&s, "/assets/app.js").await;
    let (_, _, css) = get(&s, "/assets/app.css").await;
    assert!(js_h["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(html.len() + js.len() + css.len() < 100 * 1024, "page {} bytes", html.len() + js.len() + css.len());
    assert!(!css.contains("url(") && !css.contains("@import"));
    // Telegram's script is the only outside address, loaded only inside Telegram.
    let outside: Vec<&str> = js.split(['\'', '"', '`']).filter(|s| s.starts_with("http")).collect();
    assert_eq!(outside, ["https://telegram.org/js/telegram-web-app.js"]);
    let r = reqwest::Client::new().get(format!("{}/", s.base)).header("Accept-Language", "en-US,en;q=0.9").send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<html lang=\"en\">"));
    assert_eq!(get(&s, "/p/2217-4-001").await.0, 200);
    let (st, _, html) = get(&s, "/p/9999-9-999").await;
    assert_eq!(st, 404);
    assert!(html.contains("<html"), "still the page, which says it is not on the list");
    assert_eq!(get(&s, "/assets/nothing.js").await.0, 404);
}

#[tokio::test]
async fn queries_are_logged_anonymously_except_as_you_type() {
    let s = start(config(|_| {}), false).await;
    get(&s, &format!("/api/v1/match?q={}&lang=ru", q("нейрохирург"))).await;
    get(&s, &format!("/api/v1/match?q={}&lang=ru&partial=1", q("нейро"))).await;
    let mut total = 0;
    for _ in 0..50 {
        total = s.store().report(0, 10).unwrap().total;
        if total > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let r = s.store().report(0, 10).unwrap();
    assert_eq!((total, r.total, r.listed), (1, 1, 1), "only the finished query is logged");
    assert_eq!(r.top_codes[0].key, "2217-4-001");
}
