//! The search page (`/`, `/p/{code}`), also the Telegram Mini App. Its HTML, CSS and JS live in
//! `web/` and are compiled into the binary; its words are the fluent messages (`web-*` and the
//! bot's own), handed to the page as JSON so it can switch language without a reload. The
//! answers themselves come from the API, in the bot's words.

use super::api::Params;
use super::{accept_language, Shared};
use crate::catalog::Code;
use crate::i18n::t;
use crate::lang::Lang;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

const INDEX: &str = include_str!("../../web/index.html");
const APP_JS: &str = include_str!("../../web/app.js");
const APP_CSS: &str = include_str!("../../web/app.css");

/// Only our own scripts and styles; Telegram's Mini App script when inside Telegram.
const CSP: &str = "default-src 'self'; script-src 'self' https://telegram.org; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'";

/// Messages the page shows besides the answers.
const PAGE_IDS: &[&str] = &[
    "web-title",
    "web-tagline",
    "web-search-label",
    "web-search-placeholder",
    "web-search-hint",
    "web-browse",
    "web-lang",
    "web-back",
    "web-not-found",
    "web-loading",
    "web-busy",
    "web-share",
    "web-open",
    "web-disclaimer",
    "error",
    "verdict-listed",
    "verdict-unsure",
    "verdict-not-listed",
];

pub(super) struct Page {
    /// `{"ru": {id: text}, "kk": …, "en": …}`, ready to embed.
    strings: String,
    titles: BTreeMap<Lang, String>,
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

impl Page {
    pub(super) fn new() -> Page {
        let all: BTreeMap<&str, BTreeMap<&str, String>> =
            Lang::ALL.iter().map(|l| (l.code(), PAGE_IDS.iter().map(|id| (*id, t(*l, id, &[]))).collect())).collect();
        Page { strings: serde_json::to_string(&all).unwrap_or_else(|_| "{}".into()), titles: Lang::ALL.iter().map(|l| (*l, t(*l, "web-title", &[]))).collect() }
    }

    fn render(&self, lang: Option<Lang>, code: Option<&Code>) -> String {
        let shown = lang.unwrap_or(Lang::Ru);
        let data = serde_json::json!({"lang": lang, "code": code.map(Code::as_str)}).to_string();
        // JSON inside <script> must not close it: `<` is written as \u003c.
        let safe = |s: &str| s.replace('<', "\\u003c");
        INDEX
            .replace("{{LANG}}", shown.code())
            .replace("{{TITLE}}", &html_escape(self.titles.get(&shown).map_or("Kasip", String::as_str)))
            .replace("{{STRINGS}}", &safe(&self.strings))
            .replace("{{DATA}}", &safe(&data))
    }
}

fn page_lang(raw: Option<String>, headers: &HeaderMap) -> Option<Lang> {
    let p = Params::parse(raw);
    match p.get("lang") {
        Some("ru") => Some(Lang::Ru),
        Some("kk") => Some(Lang::Kk),
        Some("en") => Some(Lang::En),
        _ => accept_language(headers),
    }
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body,
    )
        .into_response()
}

/// `GET /` (and `/?q=…&lang=…`: the page runs the query itself).
pub(super) async fn index(State(s): State<Shared>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    html(StatusCode::OK, s.page.render(page_lang(raw, &headers), None))
}

/// `GET /p/{code}`: one profession's page, to share.
pub(super) async fn profession(State(s): State<Shared>, Path(code): Path<String>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Response {
    let found = Code::parse_canonical(&code).filter(|c| s.catalog.profession(c).is_some());
    // An unknown code still gets the page, which says so (from the API's 404), with a 404 status.
    let status = if found.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    html(status, s.page.render(page_lang(raw, &headers), found.as_ref()))
}

/// `GET /assets/app.js`, `/assets/app.css`.
pub(super) async fn asset(Path(file): Path<String>) -> Response {
    let (body, ct) = match file.as_str() {
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        _ => return super::not_found().await.into_response(),
    };
    ([(header::CONTENT_TYPE, ct), (header::CACHE_CONTROL, "public, max-age=300")], body).into_response()
}
