//! `/api/v1/…`: the matcher contract of `kasip match --json` over HTTP, plus names, fields and the
//! bot's own text in the asked language; the list; and the Mini App's language choice.

use super::{accept_language, ApiError, Shared, MAX_QUERIES, MAX_ROWS, QUERY_MAX_CHARS};
use crate::catalog::{Catalog, Code, Profession};
use crate::formats;
use crate::lang::Lang;
use crate::matcher::{Verdict, VerdictKind};
use crate::reply;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

/// The query string's parameters, decoded; parsed by hand so a bad one is our JSON error.
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub(super) fn parse(raw: Option<String>) -> Params {
        Params(raw.map(|q| url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()).unwrap_or_default())
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| matches!(v, "1" | "true" | "yes"))
    }
}

fn bad_lang(l: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_lang", format!("unknown language `{}`; use ru, kk or en", l.chars().take(20).collect::<String>()))
}

fn parse_lang(l: &str) -> Result<Lang, ApiError> {
    match l.trim() {
        "ru" => Ok(Lang::Ru),
        "kk" => Ok(Lang::Kk),
        "en" => Ok(Lang::En),
        other => Err(bad_lang(other)),
    }
}

/// `lang` when given (it must be ru, kk or en), else the browser's language, else Russian.
fn lang_of(given: Option<&str>, headers: &HeaderMap) -> Result<Lang, ApiError> {
    match given {
        Some(l) => parse_lang(l),
        None => Ok(accept_language(headers).unwrap_or(Lang::Ru)),
    }
}

fn check_query(q: &str) -> Result<(), ApiError> {
    let n = q.chars().count();
    if n > QUERY_MAX_CHARS {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "query_too_long", format!("the query has {n} characters; at most {QUERY_MAX_CHARS}")));
    }
    Ok(())
}

#[derive(Serialize)]
pub(super) struct FieldOut<'a> {
    id: &'a str,
    name: String,
}

#[derive(Serialize)]
pub(super) struct ProfessionOut<'a> {
    code: &'a str,
    /// In the asked language.
    name: &'a str,
    /// The order's official (Russian) name.
    name_ru: &'a str,
    fields: Vec<FieldOut<'a>>,
    /// The page that shows it, to share with a client.
    url: String,
}

fn profession_out<'a>(catalog: &'a Catalog, p: &'a Profession, lang: Lang) -> ProfessionOut<'a> {
    ProfessionOut {
        code: p.code.as_str(),
        name: p.name.get(lang),
        name_ru: &p.name.ru,
        fields: p.fields.iter().filter_map(|id| catalog.field(id)).map(|f| FieldOut { id: &f.id, name: reply::field_name(f, lang) }).collect(),
        url: format!("/p/{}", p.code),
    }
}

/// One verdict: `kasip match --json`'s fields (query, verdict, code, candidates), then the
/// language, the verdict in words, the listed profession, and the bot's answer text.
#[derive(Serialize)]
struct VerdictOut<'a> {
    #[serde(flatten)]
    contract: crate::cli::JsonVerdict<'a>,
    lang: Lang,
    verdict_text: String,
    profession: Option<ProfessionOut<'a>>,
    text: String,
}

fn verdict_out<'a>(catalog: &'a Catalog, query: &'a str, v: &'a Verdict, lang: Lang) -> VerdictOut<'a> {
    let listed = (v.kind == VerdictKind::Listed).then(|| v.code.as_ref().and_then(|c| catalog.profession(c))).flatten();
    VerdictOut {
        contract: crate::cli::JsonVerdict::new(catalog, query, v, lang),
        lang,
        verdict_text: reply::verdict_word(v.kind, lang),
        profession: listed.map(|p| profession_out(catalog, p, lang)),
        text: reply::verdict(v, query, catalog, lang).text,
    }
}

/// `GET /api/v1/match?q=…&lang=…` (`partial=1`: typed so far, not logged).
pub(super) async fn match_get(State(s): State<Shared>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    let p = Params::parse(raw);
    let lang = lang_of(p.get("lang"), &headers)?;
    let q = p.get("q").unwrap_or("").trim();
    if q.is_empty() {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "empty_query", "the query `q` is empty; type an occupation or an NKZ code"));
    }
    check_query(q)?;
    let v = s.verdict(q);
    s.record(lang, q, &v, p.flag("partial"));
    Ok(Json(verdict_out(&s.catalog, q, &v, lang)).into_response())
}

#[derive(Deserialize)]
struct MatchBody {
    queries: Vec<String>,
    lang: Option<String>,
}

/// `POST /api/v1/match`: JSON `{"queries": [...], "lang": "…"}` → a verdict each, in order; a
/// CSV, text or XLSX body → the answer file in the same format (README: the CSV/XLSX contract).
pub(super) async fn match_post(
    State(s): State<Shared>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", format!("the body is larger than {} KB", s.config.body_max_kb))
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "bad_body", "the request body could not be read")
        }
    })?;
    let p = Params::parse(raw);
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let is_json = ct.starts_with("application/json") || (ct.is_empty() && body.first() == Some(&b'{'));
    if is_json {
        let req: MatchBody = serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_json", format!("expected {{\"queries\": [\"…\"], \"lang\": \"ru\"}}: {e}")))?;
        let lang = lang_of(req.lang.as_deref().or(p.get("lang")), &headers)?;
        if req.queries.is_empty() {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "empty_query", "`queries` is empty"));
        }
        if req.queries.len() > MAX_QUERIES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_queries",
                format!("{} queries; at most {MAX_QUERIES} a request", req.queries.len()),
            ));
        }
        for q in &req.queries {
            check_query(q)?;
        }
        let s2 = s.clone();
        let answers = tokio::task::spawn_blocking(move || {
            let verdicts: Vec<Verdict> = req.queries.iter().map(|q| s2.verdict(q)).collect();
            for (q, v) in req.queries.iter().zip(&verdicts) {
                s2.record(lang, q.trim(), v, false);
            }
            let results: Vec<VerdictOut> = req.queries.iter().zip(&verdicts).map(|(q, v)| verdict_out(&s2.catalog, q, v, lang)).collect();
            serde_json::to_vec(&serde_json::json!({"lang": lang, "results": results}))
        })
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "matching failed"))?
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "could not write the answer"))?;
        return Ok(([(header::CONTENT_TYPE, "application/json")], answers).into_response());
    }
    let kind = formats::Kind::detect(p.get("filename").unwrap_or(""), Some(&ct)).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json, text/csv, text/plain or an .xlsx (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)",
        )
    })?;
    let lang = lang_of(p.get("lang"), &headers)?;
    let s2 = s.clone();
    let file = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        let table = formats::read(&body, kind, MAX_ROWS).map_err(|e| match e {
            formats::FormatError::TooManyRows { .. } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_rows", e.to_string()),
            other => ApiError::new(StatusCode::BAD_REQUEST, "bad_file", other.to_string()),
        })?;
        let verdicts: Vec<Verdict> = table.queries().map(|q| s2.verdict(q)).collect();
        for (q, v) in table.queries().zip(&verdicts) {
            s2.record(lang, q, v, false);
        }
        let out = formats::write(&table, &verdicts, &s2.catalog, lang, kind)
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
        Ok(if kind.answer() == formats::Kind::Csv { formats::with_bom(out) } else { out })
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "matching failed"))??;
    let answer = kind.answer();
    Ok((
        [
            (header::CONTENT_TYPE, answer.content_type().to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"kasip.{}\"", answer.extension())),
        ],
        file,
    )
        .into_response())
}

/// `GET /api/v1/professions?lang=&field=`: the list, in the order's order.
pub(super) async fn professions(State(s): State<Shared>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    let p = Params::parse(raw);
    let lang = lang_of(p.get("lang"), &headers)?;
    let field = p.get("field").filter(|f| !f.is_empty());
    if let Some(f) = field {
        if s.catalog.field(f).is_none() {
            let ids: Vec<&str> = s.catalog.fields.iter().map(|f| f.id.as_str()).collect();
            return Err(ApiError::new(StatusCode::NOT_FOUND, "unknown_field", format!("no field `{f}`; one of: {}", ids.join(", "))));
        }
    }
    let list: Vec<ProfessionOut> = s
        .catalog
        .professions
        .iter()
        .filter(|pr| field.is_none_or(|f| pr.fields.iter().any(|x| x == f)))
        .map(|pr| profession_out(&s.catalog, pr, lang))
        .collect();
    Ok(Json(serde_json::json!({"lang": lang, "count": list.len(), "professions": list})).into_response())
}

#[derive(Serialize)]
struct ProfessionPage<'a> {
    #[serde(flatten)]
    profession: ProfessionOut<'a>,
    lang: Lang,
    verdict: &'static str,
    verdict_text: String,
    /// The bot's answer for it, with the legal basis.
    text: String,
    basis: String,
}

/// `GET /api/v1/professions/{code}?lang=`.
pub(super) async fn profession(State(s): State<Shared>, Path(code): Path<String>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    let p = Params::parse(raw);
    let lang = lang_of(p.get("lang"), &headers)?;
    // The canonical form, or its digits with any separators (22174001, 2217.4.001).
    let parsed = Code::parse_canonical(&code).or_else(|| {
        let digits: String = code.chars().filter(char::is_ascii_digit).collect();
        code.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | ' ')).then(|| Code::from_digits(&digits)).flatten()
    });
    let Some(parsed) = parsed else {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_code", "not an NKZ code (like 2217-4-001)"));
    };
    let Some(pr) = s.catalog.profession(&parsed) else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "unknown_code", format!("{parsed} is not on the list")));
    };
    Ok(Json(ProfessionPage {
        profession: profession_out(&s.catalog, pr, lang),
        lang,
        verdict: VerdictKind::Listed.as_str(),
        verdict_text: reply::verdict_word(VerdictKind::Listed, lang),
        text: reply::profession(pr, &s.catalog, lang).text,
        basis: reply::basis(&s.catalog, lang),
    })
    .into_response())
}

/// `GET /api/v1/fields?lang=`.
pub(super) async fn fields(State(s): State<Shared>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Result<Response, ApiError> {
    let p = Params::parse(raw);
    let lang = lang_of(p.get("lang"), &headers)?;
    let list: Vec<serde_json::Value> = s
        .catalog
        .by_field()
        .into_values()
        .map(|(f, members)| serde_json::json!({"id": f.id, "name": reply::field_name(f, lang), "count": members.len()}))
        .collect();
    Ok(Json(serde_json::json!({"lang": lang, "fields": list})).into_response())
}

const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/v1/openapi.json`.
pub(super) async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

#[derive(Deserialize)]
struct WebAppLang {
    init_data: Option<String>,
    /// The name Telegram's own JavaScript uses (`Telegram.WebApp.initData`).
    #[serde(rename = "initData")]
    init_data_js: Option<String>,
    lang: String,
}

/// `POST /api/v1/webapp/lang` `{"init_data": "…", "lang": "kk"}`: a Mini App user's language,
/// saved for the bot too. The initData must be Telegram's, signed for this bot, and fresh.
pub(super) async fn webapp_lang(State(s): State<Shared>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let (Some(token), Some(store)) = (&s.token, &s.store) else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webapp_disabled",
            "this server has no bot token or database; the Mini App endpoints are off",
        ));
    };
    let body = body.map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "bad_body", "the request body could not be read"))?;
    let req: WebAppLang = serde_json::from_slice(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_json", format!("expected {{\"init_data\": \"…\", \"lang\": \"kk\"}}: {e}")))?;
    let lang = parse_lang(&req.lang)?;
    // Also from the header Telegram's own docs suggest: `Authorization: tma <initData>`.
    let header_data = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("tma ")).map(str::to_string);
    let Some(init_data) = req.init_data.or(req.init_data_js).or(header_data) else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_init_data", "`init_data` is missing: send Telegram.WebApp.initData"));
    };
    let user = super::initdata::validate(&init_data, token.expose(), crate::store::now(), s.config.webapp_max_age).map_err(|e| {
        let code = if e == super::initdata::InitDataError::Stale { "stale_init_data" } else { "bad_init_data" };
        ApiError::new(StatusCode::UNAUTHORIZED, code, e.to_string())
    })?;
    // Saved for the bot too; answered once it is committed, so "ok" means it is on disk.
    store.set_lang(user.id, lang);
    if !store.flush(std::time::Duration::from_secs(3)).await {
        tracing::warn!("a Mini App language choice is not committed yet (the database is busy)");
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the choice could not be saved yet; try again"));
    }
    Ok(Json(serde_json::json!({"ok": true, "lang": lang})).into_response())
}
