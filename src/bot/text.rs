//! Text messages (and what else a message can carry): commands, one occupation, a batch of lines,
//! /forget, /about and /stats.

use super::commands::Command;
use super::limits::Refusal;
use super::App;
use crate::catalog::Catalog;
use crate::i18n::t;
use crate::lang::Lang;
use crate::reply::{self, Reply};
use crate::store;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::User;
use tracing::{debug, warn};

impl App {
    /// In a group the bot speaks when spoken to: a command, a mention, or a reply to it. Returns
    /// the text to answer (mention removed), or `None` to stay silent.
    pub(super) fn addressed(&self, msg: &Message, text: &str) -> Option<String> {
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
}

pub(super) async fn handle_message(bot: &Bot, msg: &Message, app: &App) -> ResponseResult<()> {
    // An anonymous admin's messages come from GroupAnonymousBot: no language, no id of a person.
    let user = msg.from.as_ref().filter(|_| msg.sender_chat.is_none());
    let text = msg.text().or(msg.caption());
    if let Some(doc) = msg.document() {
        let lang = app.lang_for(user, text.unwrap_or("")).await;
        return super::documents::handle_document(bot, msg, app, doc, lang).await;
    }
    let Some(text) = msg.text() else {
        // Stickers, photos, voice…: a hint (only private chats get this far).
        let lang = app.lang_for(user, "").await;
        return app.send(bot, msg, &Reply { text: t(lang, "non-text", &[]), buttons: vec![] }).await;
    };
    let Some(text) = app.addressed(msg, text) else {
        return Ok(());
    };
    let lang = app.lang_for(user, &text).await;
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let reply = match app.command(&text) {
        Command::NotOurs => return Ok(()),
        Command::Start => with_webapp(Reply { text: t(lang, "start", &[]), buttons: vec![] }, app, msg, lang),
        Command::Help | Command::Unknown => Reply { text: t(lang, "help", &[("bot", app.username().into())]), buttons: vec![] },
        Command::Lang => reply::lang_choice(lang),
        Command::List => with_webapp(reply::list_fields(&app.catalog, lang), app, msg, lang),
        Command::About => about(&app.catalog, lang),
        Command::Forget => forget(app, user, lang).await,
        Command::Subscriptions => super::subscriptions::list(app, msg.chat.id.0, lang).await,
        Command::Stats => stats(app, user, lang).await,
        Command::Text if lines.len() > 1 => batch(app, &lines, lang),
        Command::Text => {
            let v = app.matcher.match_query(&text);
            app.log(lang, &v, &text);
            app.with_bell(reply::verdict(&v, &text, &app.catalog, lang), &v, &text, lang)
        }
    };
    app.send(bot, msg, &reply).await
}

/// A message the flood limit refused: a polite notice of why and when to retry (the flood limit
/// itself is applied before queueing, in [`super::dispatch`]).
pub(super) async fn flood_notice(bot: &Bot, msg: &Message, app: &App, refusal: Refusal) -> ResponseResult<()> {
    let user = msg.from.as_ref().filter(|_| msg.sender_chat.is_none());
    let lang = app.lang_for(user, msg.text().unwrap_or("")).await;
    app.send(bot, msg, &reply::flood(refusal.lines, refusal.retry_secs, lang)).await
}

/// `/forget`: every row tied to the user goes (the language choice, the subscriptions of the
/// user's private chat and their queued notices). Waits for the database a little; a locked
/// database still deletes them as soon as it is free (the request is queued).
async fn forget(app: &App, user: Option<&User>, lang: Lang) -> Reply {
    if let Some(u) = user {
        match tokio::time::timeout(Duration::from_secs(2), app.storage.forget(u.id.0 as i64)).await {
            Ok(Ok(Err(e))) => {
                warn!(error = %e, "/forget failed");
                return Reply { text: t(lang, "error", &[]), buttons: vec![] };
            }
            Ok(_) => {}
            Err(_) => debug!("/forget queued behind a busy database"),
        }
    }
    Reply { text: t(lang, "forget-done", &[]), buttons: vec![] }
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
    let mut text = text;
    // Since when the wording applies, when the data says it (an amendment from amendments.toml).
    if let Some(since) = &o.wording_in_force {
        text.push_str("\n\n");
        text.push_str(&t(
            lang,
            "about-version",
            &[
                ("amendment_number", o.amendment_number.as_str().into()),
                ("amendment_date", reply::date(&o.amendment_date).as_str().into()),
                ("since", reply::date(since).as_str().into()),
            ],
        ));
    }
    text.push_str("\n\n");
    text.push_str(&t(lang, "about-subscriptions", &[]));
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

async fn stats(app: &App, user: Option<&User>, lang: Lang) -> Reply {
    if !user.is_some_and(|u| app.config.admins.contains(&u.id.0)) {
        return Reply { text: t(lang, "stats-denied", &[]), buttons: vec![] };
    }
    let days = 7;
    // A bounded query on a reader connection: other users' replies do not wait for it.
    match app.storage.report_recent(store::now() - days * 86400, 10).await {
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

/// The Mini App button under /start and /list (private chats only: Telegram allows web-app
/// buttons nowhere else).
fn with_webapp(mut r: Reply, app: &App, msg: &Message, lang: Lang) -> Reply {
    if let (Some(url), true) = (&app.config.webapp_url, msg.chat.is_private()) {
        r.buttons.push(vec![reply::Button { text: t(lang, "web-open", &[]), data: format!("{}{url}", super::send::WEBAPP_BUTTON) }]);
    }
    r
}
