//! The Telegram bot: teloxide handlers only. Scoring is the matcher's, wording is `reply`'s and the
//! locales', state is the store's; this module maps updates onto them and replies onto the Bot API.
//!
//! Reliability: every Bot API call goes through [`with_retry`] (429 waits `retry_after`, 5xx and
//! network errors back off and retry); the last answered update id is kept in SQLite so a restart
//! neither repeats answers nor drops updates that arrived while the bot was down; SIGINT/SIGTERM
//! stop it after in-flight replies finish.

pub mod limits;

use crate::catalog::{Catalog, Profession};
use crate::config::Config;
use crate::formats;
use crate::i18n::t;
use crate::lang::Lang;
use crate::matcher::{Matcher, Verdict, VerdictKind};
use crate::reply::{self, Callback, Reply};
use crate::store::{self, Store};
use limits::{Admission, RateLimiter};
use std::future::{Future, IntoFuture};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, ChatId, Document, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResult, InlineQueryResultArticle, InputFile, InputMessageContent,
    InputMessageContentText, MaybeInaccessibleMessage, Me, MenuButton, MessageId, ReplyParameters, User, WebAppInfo,
};
use teloxide::{ApiError, RequestError};
use tracing::{debug, info, warn};

/// Attempts for one Bot API call before giving up on it.
pub const MAX_ATTEMPTS: u32 = 6;
/// First back-off after a transient failure; doubles each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Telegram refuses messages longer than this (in characters).
const MESSAGE_CHARS: usize = 4000;
/// Inline results offered at most.
const INLINE_RESULTS: usize = 10;

/// Whether a failed call may succeed if repeated: network trouble and server-side errors.
fn transient(e: &RequestError) -> bool {
    match e {
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => true,
        RequestError::Api(ApiError::Unknown(d)) => {
            let d = d.to_ascii_lowercase();
            ["internal server error", "bad gateway", "service unavailable", "gateway timeout", "timeout"].iter().any(|s| d.contains(s))
        }
        _ => false,
    }
}

/// Runs a Bot API call, retrying what can be retried: a 429 waits the `retry_after` Telegram
/// gives, transient errors back off exponentially, up to [`MAX_ATTEMPTS`].
pub async fn with_retry<T, F, Fut>(what: &str, mut call: F) -> Result<T, RequestError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(RequestError::RetryAfter(s)) if attempt < MAX_ATTEMPTS => {
                warn!(what, attempt, wait_s = s.seconds(), "rate limited by the Bot API; waiting retry_after");
                tokio::time::sleep(s.duration()).await;
            }
            Err(e) if transient(&e) && attempt < MAX_ATTEMPTS => {
                warn!(what, attempt, error = %e, "Bot API call failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
            Err(e) => return Err(e),
        }
        attempt += 1;
    }
}

pub struct App {
    pub catalog: Arc<Catalog>,
    pub matcher: Matcher,
    pub store: Store,
    pub config: Config,
    me: Me,
    limiter: RateLimiter,
    /// The last update answered before this start: anything at or below it was answered already.
    resume_after: i64,
    last_done: AtomicI64,
}

fn keyboard(r: &Reply) -> Option<InlineKeyboardMarkup> {
    let button = |b: &reply::Button| match b.data.strip_prefix(WEBAPP_BUTTON).and_then(|u| url::Url::parse(u).ok()) {
        Some(url) => InlineKeyboardButton::web_app(b.text.clone(), WebAppInfo { url }),
        None => InlineKeyboardButton::callback(b.text.clone(), b.data.clone()),
    };
    (!r.buttons.is_empty()).then(|| InlineKeyboardMarkup::new(r.buttons.iter().map(|row| row.iter().map(button).collect::<Vec<_>>())))
}

/// A button whose data is this prefix and a URL opens the Mini App (KASIP_WEBAPP_URL).
const WEBAPP_BUTTON: &str = "webapp:";

/// The Mini App button under /start and /list (private chats only: Telegram allows web-app
/// buttons nowhere else).
fn with_webapp(mut r: Reply, app: &App, msg: &Message, lang: Lang) -> Reply {
    if let (Some(url), true) = (&app.config.webapp_url, msg.chat.is_private()) {
        r.buttons.push(vec![reply::Button { text: t(lang, "web-open", &[]), data: format!("{WEBAPP_BUTTON}{url}") }]);
    }
    r
}

/// Splits a long text at line ends into messages Telegram accepts.
fn chunks(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for line in text.lines() {
        let line: String = line.chars().take(MESSAGE_CHARS).collect();
        let cur = out.last_mut().expect("never empty");
        if cur.chars().count() + line.chars().count() + 1 > MESSAGE_CHARS && !cur.is_empty() {
            out.push(String::new());
        }
        let cur = out.last_mut().expect("never empty");
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(&line);
    }
    out
}

enum Command {
    Start,
    Help,
    Lang,
    List,
    About,
    Forget,
    Stats,
    Unknown,
    /// Addressed to another bot in a group.
    NotOurs,
    /// Not a command: an occupation (or several, a line each).
    Text,
}

impl App {
    pub fn new(catalog: Arc<Catalog>, store: Store, config: Config, me: Me) -> Result<App, store::StoreError> {
        let resume_after = store.last_update_id()?.unwrap_or(-1);
        Ok(App {
            matcher: Matcher::new(catalog.clone()),
            catalog,
            store,
            limiter: RateLimiter::new(config.rate_limit),
            config,
            me,
            resume_after,
            last_done: AtomicI64::new(resume_after),
        })
    }

    fn username(&self) -> &str {
        self.me.user.username.as_deref().unwrap_or("")
    }

    fn fresh(&self, update_id: i64) -> bool {
        let fresh = update_id > self.resume_after;
        if !fresh {
            debug!(update_id, "already answered before the restart; skipping");
        }
        fresh
    }

    fn done(&self, update_id: i64) {
        let prev = self.last_done.fetch_max(update_id, Ordering::SeqCst);
        if update_id > prev {
            if let Err(e) = self.store.set_last_update_id(update_id) {
                warn!(error = %e, "could not record the last answered update");
            }
        }
    }

    fn lang_for(&self, user: Option<&User>, text: &str) -> Lang {
        let saved = user.and_then(|u| match self.store.user_lang(u.id.0 as i64) {
            Ok(l) => l,
            Err(e) => {
                warn!(error = %e, "could not read the language choice");
                None
            }
        });
        Lang::choose(saved, user.and_then(|u| u.language_code.as_deref()), text)
    }

    fn log(&self, lang: Lang, v: &Verdict, query: &str) {
        crate::metrics::global().verdict(crate::metrics::Source::Bot, v.kind);
        // A failed log write never stops a reply.
        if let Err(e) = self.store.log_query(store::now(), lang, v.kind.as_str(), v.code.as_ref().map(|c| c.as_str()), query) {
            warn!(error = %e, "could not log the query");
        }
    }

    fn command(&self, text: &str) -> Command {
        let Some(first) = text.split_whitespace().next().filter(|w| w.starts_with('/')) else {
            return Command::Text;
        };
        let (name, target) = first[1..].split_once('@').map_or((&first[1..], None), |(n, t)| (n, Some(t)));
        if target.is_some_and(|t| !t.eq_ignore_ascii_case(self.username())) {
            return Command::NotOurs;
        }
        match name.to_ascii_lowercase().as_str() {
            "start" => Command::Start,
            "help" => Command::Help,
            "lang" | "language" | "til" => Command::Lang,
            "list" => Command::List,
            "about" => Command::About,
            "forget" => Command::Forget,
            "stats" => Command::Stats,
            _ => Command::Unknown,
        }
    }

    /// In a group the bot speaks when spoken to: a command, a mention, or a reply to it. Returns
    /// the text to answer (mention removed), or `None` to stay silent.
    fn addressed(&self, msg: &Message, text: &str) -> Option<String> {
        if msg.chat.is_private() {
            return Some(text.to_string());
        }
        if text.trim_start().starts_with('/') {
            return Some(text.to_string());
        }
        let mention = format!("@{}", self.username());
        if !self.username().is_empty() {
            if let Some(i) = text.to_lowercase().find(&mention.to_lowercase()) {
                let mut s = text.to_string();
                if s.is_char_boundary(i) && s.is_char_boundary(i + mention.len()) {
                    s.replace_range(i..i + mention.len(), " ");
                }
                return Some(s.trim().to_string());
            }
        }
        let to_us = msg.reply_to_message().and_then(|r| r.from.as_ref()).is_some_and(|u| u.id == self.me.user.id);
        to_us.then(|| text.to_string())
    }

    async fn send(&self, bot: &Bot, msg: &Message, r: &Reply) -> Result<(), RequestError> {
        let chat = msg.chat.id;
        // In groups the answer is threaded under the question.
        let reply_to = (!msg.chat.is_private()).then_some(msg.id);
        let parts = chunks(&r.text);
        let last = parts.len() - 1;
        for (i, part) in parts.into_iter().enumerate() {
            let kb = if i == last { keyboard(r) } else { None };
            send_text(bot, chat, reply_to, part, kb).await?;
        }
        Ok(())
    }
}

async fn send_text(bot: &Bot, chat: ChatId, reply_to: Option<MessageId>, text: String, kb: Option<InlineKeyboardMarkup>) -> Result<Message, RequestError> {
    with_retry("sendMessage", || {
        let mut req = bot.send_message(chat, text.clone());
        if let Some(kb) = &kb {
            req = req.reply_markup(kb.clone());
        }
        if let Some(id) = reply_to {
            req = req.reply_parameters(ReplyParameters::new(id).allow_sending_without_reply());
        }
        async move { req.await }
    })
    .await
}

fn commands(lang: Lang) -> Vec<BotCommand> {
    ["start", "help", "lang", "list", "about", "forget"].iter().map(|c| BotCommand::new(*c, t(lang, &format!("cmd-{c}"), &[]))).collect()
}

/// Runs a handler and records its update as answered (whatever the outcome: a reply that could
/// not be sent after all retries is logged, and must not be retried forever after a restart).
async fn answered(app: &App, upd: &Update, work: impl Future<Output = ResponseResult<()>>) -> ResponseResult<()> {
    let result = work.await;
    app.done(upd.id.0 as i64);
    result
}

async fn on_message(bot: Bot, msg: Message, upd: Update, app: Arc<App>) -> ResponseResult<()> {
    answered(&app, &upd, handle_message(&bot, &msg, &app)).await
}

async fn handle_message(bot: &Bot, msg: &Message, app: &App) -> ResponseResult<()> {
    let user = msg.from.as_ref();
    if user.is_some_and(|u| u.is_bot) {
        return Ok(());
    }
    let user_id = user.map_or(msg.chat.id.0 as u64, |u| u.id.0);
    let text = msg.text().or(msg.caption());
    if let Some(doc) = msg.document() {
        let lang = app.lang_for(user, text.unwrap_or(""));
        // In groups a file is only read when the caption mentions the bot.
        let addressed = msg.chat.is_private() || text.is_some_and(|t| app.addressed(msg, t).is_some());
        if addressed && admit(bot, msg, app, user_id, 1, lang).await? {
            return handle_document(bot, msg, app, doc, lang).await;
        }
        return Ok(());
    }
    let Some(text) = msg.text() else {
        // Stickers, photos, voice…: a hint in private chats, silence in groups.
        if msg.chat.is_private() {
            let lang = app.lang_for(user, "");
            if admit(bot, msg, app, user_id, 1, lang).await? {
                app.send(bot, msg, &Reply { text: t(lang, "non-text", &[]), buttons: vec![] }).await?;
            }
        }
        return Ok(());
    };
    let Some(text) = app.addressed(msg, text) else {
        return Ok(());
    };
    let lang = app.lang_for(user, &text);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let cost = lines.len().clamp(1, app.config.batch_max) as u32;
    if !admit(bot, msg, app, user_id, cost, lang).await? {
        return Ok(());
    }
    let reply = match app.command(&text) {
        Command::NotOurs => return Ok(()),
        Command::Start => with_webapp(Reply { text: t(lang, "start", &[]), buttons: vec![] }, app, msg, lang),
        Command::Help | Command::Unknown => Reply { text: t(lang, "help", &[("bot", app.username().into())]), buttons: vec![] },
        Command::Lang => reply::lang_choice(lang),
        Command::List => with_webapp(reply::list_fields(&app.catalog, lang), app, msg, lang),
        Command::About => about(&app.catalog, lang),
        Command::Forget => match user.map(|u| app.store.forget_user(u.id.0 as i64)) {
            Some(Err(e)) => {
                warn!(error = %e, "/forget failed");
                Reply { text: t(lang, "error", &[]), buttons: vec![] }
            }
            _ => Reply { text: t(lang, "forget-done", &[]), buttons: vec![] },
        },
        Command::Stats => stats(app, user, lang),
        Command::Text if lines.len() > 1 => batch(app, &lines, lang),
        Command::Text => {
            let v = app.matcher.match_query(&text);
            app.log(lang, &v, &text);
            reply::verdict(&v, &text, &app.catalog, lang)
        }
    };
    app.send(bot, msg, &reply).await
}

/// Applies the flood limit; `false` means do not answer (the user was told once).
async fn admit(bot: &Bot, msg: &Message, app: &App, user: u64, cost: u32, lang: Lang) -> ResponseResult<bool> {
    match app.limiter.admit(user, cost, Instant::now()) {
        Admission::Allowed => Ok(true),
        Admission::Warn => {
            app.send(bot, msg, &Reply { text: t(lang, "flood", &[]), buttons: vec![] }).await?;
            Ok(false)
        }
        Admission::Drop => Ok(false),
    }
}

fn about(catalog: &Catalog, lang: Lang) -> Reply {
    let o = &catalog.order;
    let text = t(
        lang,
        "about",
        &[
            ("date", reply::date(&o.date).as_str().into()),
            ("number", o.number.as_str().into()),
            ("registered_date", reply::date(&o.registered_date).as_str().into()),
            ("registered_number", o.registered_number.as_str().into()),
            ("in_force", reply::date(&o.in_force).as_str().into()),
            ("amendment_date", reply::date(&o.amendment_date).as_str().into()),
            ("amendment_number", o.amendment_number.as_str().into()),
        ],
    );
    Reply { text, buttons: vec![] }
}

fn batch(app: &App, lines: &[&str], lang: Lang) -> Reply {
    let max = app.config.batch_max;
    let mut text = t(lang, "batch-title", &[("count", lines.len().min(max).into())]);
    for line in lines.iter().take(max) {
        let v = app.matcher.match_query(line);
        app.log(lang, &v, line);
        text.push('\n');
        text.push_str(&reply::batch_line(&v, line, &app.catalog, lang));
    }
    if lines.len() > max {
        text.push_str("\n\n");
        text.push_str(&t(lang, "batch-truncated", &[("max", max.into())]));
    }
    Reply { text, buttons: vec![] }
}

fn stats(app: &App, user: Option<&User>, lang: Lang) -> Reply {
    if !user.is_some_and(|u| app.config.admins.contains(&u.id.0)) {
        return Reply { text: t(lang, "stats-denied", &[]), buttons: vec![] };
    }
    let days = 7;
    match app.store.report(store::now() - days * 86400, 10) {
        Ok(r) => {
            let mut text = t(
                lang,
                "stats",
                &[
                    ("days", days.into()),
                    ("total", r.total.into()),
                    ("listed", r.listed.into()),
                    ("unsure", r.unsure.into()),
                    ("not_listed", r.not_listed.into()),
                ],
            );
            for d in &r.per_day {
                text.push_str(&format!("\n{}: {}", d.key, d.count));
            }
            let unmatched: Vec<_> = r.top_not_listed.iter().chain(&r.top_unsure).collect();
            if !unmatched.is_empty() {
                text.push_str("\n\n");
                text.push_str(&t(lang, "stats-top", &[]));
                for c in unmatched.iter().take(10) {
                    text.push_str(&format!("\n{} — {}", c.count, reply::quote(&c.key)));
                }
            }
            Reply { text, buttons: vec![] }
        }
        Err(e) => {
            warn!(error = %e, "stats failed");
            Reply { text: t(lang, "error", &[]), buttons: vec![] }
        }
    }
}

async fn handle_document(bot: &Bot, msg: &Message, app: &App, doc: &Document, lang: Lang) -> ResponseResult<()> {
    let name = doc.file_name.clone().unwrap_or_default();
    let plain = |id: &str, args: &[(&str, crate::i18n::Arg)]| Reply { text: t(lang, id, args), buttons: vec![] };
    let Some(kind) = formats::Kind::detect(&name, doc.mime_type.as_ref().map(|m| m.essence_str())) else {
        return app.send(bot, msg, &plain("file-bad", &[])).await;
    };
    let max_kb = app.config.file_max_kb;
    if doc.file.size > max_kb.saturating_mul(1024) {
        return app.send(bot, msg, &plain("file-too-big", &[("max", (max_kb as usize).into())])).await;
    }
    let file = with_retry("getFile", || bot.get_file(doc.file.id.clone()).into_future()).await?;
    let mut bytes = Vec::new();
    if let Err(e) = bot.download_file(&file.path, &mut bytes).await {
        warn!(error = %e, "document download failed");
        return app.send(bot, msg, &plain("error", &[])).await;
    }
    let Ok(mut table) = formats::read(&bytes, kind, usize::MAX) else {
        return app.send(bot, msg, &plain("file-bad", &[])).await;
    };
    // A file is a consultant's list; it is bounded like everything else (10× a message).
    table.rows.truncate(app.config.batch_max * 10);
    let verdicts: Vec<Verdict> = table.queries().map(|q| app.matcher.match_query(q)).collect();
    for (q, v) in table.queries().zip(&verdicts) {
        app.log(lang, v, q);
    }
    let answer = match formats::write(&table, &verdicts, &app.catalog, lang, kind) {
        Ok(b) if kind.answer() == formats::Kind::Csv => formats::with_bom(b),
        Ok(b) => b,
        Err(e) => {
            warn!(error = %e, "answer file not written");
            return app.send(bot, msg, &plain("error", &[])).await;
        }
    };
    let file_name = format!("kasip.{}", kind.answer().extension());
    let caption = t(lang, "file-done", &[("count", verdicts.len().into())]);
    with_retry("sendDocument", || {
        let req = bot.send_document(msg.chat.id, InputFile::memory(answer.clone()).file_name(file_name.clone())).caption(caption.clone());
        async move { req.await }
    })
    .await?;
    Ok(())
}

async fn on_callback(bot: Bot, q: CallbackQuery, upd: Update, app: Arc<App>) -> ResponseResult<()> {
    answered(&app, &upd, handle_callback(&bot, &q, &app)).await
}

async fn handle_callback(bot: &Bot, q: &CallbackQuery, app: &App) -> ResponseResult<()> {
    let mut lang = app.lang_for(Some(&q.from), "");
    let cb = q.data.as_deref().and_then(|d| Callback::decode(d, &app.catalog));
    let reply = match &cb {
        None => None,
        Some(Callback::Profession(code)) => app.catalog.profession(code).map(|p| reply::profession(p, &app.catalog, lang)),
        Some(Callback::Lang(l)) => {
            lang = *l;
            if let Err(e) = app.store.set_user_lang(q.from.id.0 as i64, *l) {
                warn!(error = %e, "could not save the language choice");
            }
            Some(Reply { text: t(lang, "lang-set", &[]), buttons: vec![] })
        }
        Some(Callback::ListFields) => Some(reply::list_fields(&app.catalog, lang)),
        Some(Callback::ListField { field, page }) => Some(reply::list_field(&app.catalog, lang, *field, *page)),
    };
    let notice = reply.is_none().then(|| t(lang, "stale", &[]));
    with_retry("answerCallbackQuery", || {
        let mut req = bot.answer_callback_query(q.id.clone());
        if let Some(n) = &notice {
            req = req.text(n.clone());
        }
        async move { req.await }
    })
    .await?;
    let (Some(reply), Some(MaybeInaccessibleMessage::Regular(m))) = (reply, q.message.as_ref()) else {
        return Ok(());
    };
    let kb = keyboard(&reply);
    let text: String = reply.text.chars().take(MESSAGE_CHARS).collect();
    let edited = with_retry("editMessageText", || {
        let mut req = bot.edit_message_text(m.chat.id, m.id, text.clone());
        if let Some(kb) = &kb {
            req = req.reply_markup(kb.clone());
        }
        async move { req.await }
    })
    .await;
    match edited {
        // Pressing the same button twice: Telegram refuses an edit that changes nothing.
        Err(RequestError::Api(ApiError::MessageNotModified)) => Ok(()),
        other => other.map(|_| ()),
    }
}

async fn on_inline(bot: Bot, q: InlineQuery, upd: Update, app: Arc<App>) -> ResponseResult<()> {
    answered(&app, &upd, handle_inline(&bot, &q, &app)).await
}

fn article(id: String, title: String, description: String, text: String) -> InlineQueryResult {
    InlineQueryResult::Article(InlineQueryResultArticle::new(id, title, InputMessageContent::Text(InputMessageContentText::new(text))).description(description))
}

/// Inline mode: the best candidates as results; choosing one posts the full answer.
pub fn inline_results(catalog: &Catalog, query: &str, verdict: Option<&Verdict>, lang: Lang) -> Vec<InlineQueryResult> {
    // Title: the profession in the user's language; description: code and verdict.
    let profession_article = |p: &Profession, kind: VerdictKind| {
        article(
            p.code.to_string(),
            p.name.get(lang).to_string(),
            format!("{} · {}", p.code, reply::verdict_word(kind, lang)),
            reply::profession(p, catalog, lang).text,
        )
    };
    let Some(v) = verdict else {
        // Nothing typed yet: one profession of each education field as a start.
        let mut seen = Vec::new();
        return catalog
            .by_field()
            .into_values()
            .filter_map(|(_, members)| members.into_iter().find(|p| !seen.contains(&p.code)).inspect(|p| seen.push(p.code.clone())))
            .map(|p| profession_article(p, VerdictKind::Listed))
            .take(INLINE_RESULTS)
            .collect();
    };
    let mut results = Vec::new();
    if v.kind == VerdictKind::NotListed {
        let r = reply::verdict(v, query, catalog, lang);
        results.push(article("not-listed".into(), reply::quote(query), reply::verdict_word(VerdictKind::NotListed, lang), r.text));
    }
    for c in v.candidates.iter().take(INLINE_RESULTS - results.len()) {
        if let Some(p) = catalog.profession(&c.code) {
            // Every candidate is on the list; for an unsure query the description says it is one
            // possibility to check, for a not-listed one it is a near profession that is listed.
            let kind = if v.kind == VerdictKind::Unsure { VerdictKind::Unsure } else { VerdictKind::Listed };
            results.push(profession_article(p, kind));
        }
    }
    results
}

async fn handle_inline(bot: &Bot, q: &InlineQuery, app: &App) -> ResponseResult<()> {
    let lang = app.lang_for(Some(&q.from), &q.query);
    let query: String = q.query.chars().take(crate::matcher::normalize::MAX_QUERY_CHARS).collect();
    let verdict = (!query.trim().is_empty()).then(|| app.matcher.match_query(&query));
    if let Some(v) = &verdict {
        app.log(lang, v, &query);
    }
    let results = inline_results(&app.catalog, &query, verdict.as_ref(), lang);
    with_retry("answerInlineQuery", || {
        let req = bot.answer_inline_query(q.id.clone(), results.clone()).cache_time(60);
        async move { req.await }
    })
    .await?;
    Ok(())
}

/// Starts the bot: long polling by default, a webhook when configured. Returns when stopped.
pub async fn run(config: Config, catalog: Arc<Catalog>) -> anyhow::Result<()> {
    use anyhow::Context;
    let store = Store::open(&config.db).with_context(|| format!("opening the database {}", config.db.display()))?;
    let client = teloxide::net::default_reqwest_settings().build().context("building the HTTP client")?;
    let mut bot = Bot::with_client(config.token.expose(), client);
    if let Some(url) = &config.api_url {
        bot = bot.set_api_url(url.clone());
    }
    // Signals are taken over first, so a stop during start-up is graceful too.
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).context("installing the SIGTERM handler")?;
    #[cfg(unix)]
    let terminated = term.recv();
    #[cfg(not(unix))]
    let terminated = std::future::pending::<Option<()>>();
    let startup = async {
        let me =
            with_retry("getMe", || bot.get_me().into_future()).await.context("asking Telegram who the bot is (getMe); check the token and TELOXIDE_API_URL")?;
        info!(username = ?me.user.username, "connected to the Bot API");
        for lang in Lang::ALL {
            let res = with_retry("setMyCommands", || {
                let req = bot.set_my_commands(commands(lang)).language_code(lang.code());
                async move { req.await }
            })
            .await;
            if let Err(e) = res {
                warn!(error = %e, lang = lang.code(), "could not register commands");
            }
        }
        if let Err(e) = with_retry("setMyCommands", || bot.set_my_commands(commands(Lang::En)).into_future()).await {
            warn!(error = %e, "could not register default commands");
        }
        if let Some(url) = &config.webapp_url {
            let button = MenuButton::WebApp { text: t(Lang::Ru, "web-open", &[]), web_app: WebAppInfo { url: url.clone() } };
            if let Err(e) = with_retry("setChatMenuButton", || bot.set_chat_menu_button().menu_button(button.clone()).into_future()).await {
                warn!(error = %e, "could not set the Mini App menu button");
            }
        }
        anyhow::Ok(me)
    };
    let me = tokio::select! {
        me = startup => me?,
        _ = terminated => { info!("stopped during start-up"); return Ok(()); }
        _ = tokio::signal::ctrl_c() => { info!("stopped during start-up"); return Ok(()); }
    };
    let retention = config.retention;
    let webhook = config.webhook.clone();
    let app = Arc::new(App::new(catalog, store, config, me)?);
    {
        let app = app.clone();
        tokio::spawn(async move {
            loop {
                match app.store.expire(retention, store::now()) {
                    Ok(n) if n > 0 => info!(rows = n, "expired old rows"),
                    Ok(_) => {}
                    Err(e) => warn!(error = %e, "retention cleanup failed"),
                }
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
        });
    }
    let handler = dptree::entry()
        .filter(|upd: Update, app: Arc<App>| app.fresh(upd.id.0 as i64))
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_edited_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_inline_query().endpoint(on_inline));
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler)
        .dependencies(dptree::deps![app.clone()])
        .default_handler(|upd| async move { debug!(id = upd.id.0, "update of a kind the bot does not handle") })
        .error_handler(LoggingErrorHandler::with_custom_text("a reply could not be sent"))
        .enable_ctrlc_handler()
        .build();
    // SIGTERM too (service managers send it): stop taking updates, finish in-flight replies.
    let token = dispatcher.shutdown_token();
    #[cfg(unix)]
    tokio::spawn(async move {
        {
            term.recv().await;
            info!("SIGTERM: finishing in-flight replies");
            loop {
                match token.shutdown() {
                    Ok(f) => {
                        f.await;
                        break;
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
    });
    match webhook {
        None => {
            let listener = teloxide::update_listeners::Polling::builder(bot).timeout(Duration::from_secs(25)).delete_webhook().await.build();
            info!("long polling");
            dispatcher
                .try_dispatch_with_listener(listener, LoggingErrorHandler::with_custom_text("getUpdates failed"))
                .await
                .map_err(|e| anyhow::anyhow!("dispatching: {e:?}"))?;
        }
        Some(w) => {
            let options = teloxide::update_listeners::webhooks::Options::new(w.listen, w.url.clone()).secret_token(w.secret.clone());
            let tcp = tokio::net::TcpListener::bind(w.listen).await.with_context(|| format!("listening on {}", w.listen))?;
            let (listener, stop, router) = teloxide::update_listeners::webhooks::axum_to_router(bot, options).await.context("setting the webhook")?;
            info!(listen = %w.listen, "webhook");
            tokio::spawn(async move {
                if let Err(e) = axum::serve(tcp, router).with_graceful_shutdown(stop).await {
                    warn!(error = %e, "webhook server stopped");
                }
            });
            dispatcher
                .try_dispatch_with_listener(listener, LoggingErrorHandler::with_custom_text("webhook listener error"))
                .await
                .map_err(|e| anyhow::anyhow!("dispatching: {e:?}"))?;
        }
    }
    info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_split_at_lines() {
        let text = (0..500).map(|i| format!("line {i} {}", "x".repeat(20))).collect::<Vec<_>>().join("\n");
        let parts = chunks(&text);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= MESSAGE_CHARS));
        assert_eq!(parts.join("\n"), text);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_waits_out_429_and_transient_errors() {
        let calls = std::sync::atomic::AtomicU32::new(0);
        let r: Result<u32, RequestError> = with_retry("test", || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                match n {
                    0 => Err(RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3))),
                    1 => Err(RequestError::Api(ApiError::Unknown("Internal Server Error".into()))),
                    _ => Ok(n),
                }
            }
        })
        .await;
        assert_eq!(r.unwrap(), 2);
        let permanent: Result<(), RequestError> = with_retry("test", || async { Err(RequestError::Api(ApiError::BotBlocked)) }).await;
        assert!(permanent.is_err());
    }
}
