//! The Telegram bot. Scoring is the matcher's, wording is `reply`'s and the locales', state is the
//! store's; this module maps updates onto them and replies onto the Bot API.
//!
//! The pipeline, in the order an update travels:
//! [`polling`] or [`webhook`] receive it → [`inbox`] writes it to SQLite before Telegram is told it
//! arrived → [`dispatch`] parses it, asks [`schema`] whether and whom to answer, applies the flood
//! [`limits`] and queues it per chat → a handler per update kind ([`text`], [`documents`],
//! [`callbacks`], [`inline`]; [`commands`] parses commands) answers through [`send`] (retry) → the
//! inbox records it done. This file holds the shared state ([`App`]) and start and stop: one
//! instance per database, pending updates first, SIGINT/SIGTERM stop fetching and finish within
//! `KASIP_SHUTDOWN_SECS`, leaving the rest pending.

mod callbacks;
mod commands;
mod dispatch;
mod documents;
mod inbox;
mod inline;
pub mod limits;
mod notices;
mod polling;
mod schema;
mod send;
mod subscriptions;
mod text;
mod webhook;

pub use inline::inline_results;
pub use send::{with_retry, MAX_ATTEMPTS};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::lang::Lang;
use crate::matcher::{Matcher, Verdict};
use crate::store::service::Storage;
use crate::store::{self, InstanceLock, LogRow};
use dispatch::Pipeline;
use inline::InlineLog;
use limits::RateLimiter;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Me, User};
use tokio::sync::watch;
use tracing::{info, warn};

/// Inline queries (one per keystroke) and button presses have this many times the message allowance.
const INLINE_ALLOWANCE: u32 = 4;
/// Lines a user may send per minute: this many full batches (or `KASIP_RATE_LIMIT`, if more).
const BATCHES_PER_MINUTE: u32 = 2;

pub struct App {
    pub catalog: Arc<Catalog>,
    pub matcher: Matcher,
    pub storage: Arc<Storage>,
    pub config: Config,
    me: Me,
    limiter: RateLimiter,
    inline_limiter: RateLimiter,
    inline_log: InlineLog,
    held_queries: subscriptions::HeldQueries,
}

impl App {
    pub fn new(catalog: Arc<Catalog>, storage: Arc<Storage>, config: Config, me: Me) -> App {
        App {
            matcher: Matcher::new(catalog.clone()),
            catalog,
            storage,
            limiter: RateLimiter::new(
                config.rate_limit,
                u32::try_from(config.batch_max).unwrap_or(u32::MAX).saturating_mul(BATCHES_PER_MINUTE).max(config.rate_limit),
            ),
            inline_limiter: RateLimiter::new(config.rate_limit.saturating_mul(INLINE_ALLOWANCE), config.rate_limit.saturating_mul(INLINE_ALLOWANCE)),
            inline_log: InlineLog::default(),
            held_queries: subscriptions::HeldQueries::default(),
            config,
            me,
        }
    }

    pub(super) fn username(&self) -> &str {
        self.me.user.username.as_deref().unwrap_or("")
    }

    pub(super) async fn lang_for(&self, user: Option<&User>, text: &str) -> Lang {
        let saved = match user {
            Some(u) => self.storage.user_lang(u.id.0 as i64).await,
            None => None,
        };
        Lang::choose(saved, user.and_then(|u| u.language_code.as_deref()), text)
    }

    pub(super) fn log_row(&self, lang: Lang, v: &Verdict, query: &str) -> LogRow {
        LogRow { at: store::now(), lang, verdict: v.kind.as_str(), code: v.code.as_ref().map(|c| c.as_str().to_string()), query: query.to_string() }
    }

    /// Queues a query log row; the writer scrubs it. A failed or late log write never stops a reply.
    pub(super) fn log(&self, lang: Lang, v: &Verdict, query: &str) {
        crate::metrics::global().verdict(crate::metrics::Source::Bot, v.kind);
        self.storage.log(self.log_row(lang, v, query));
    }
}

/// SIGTERM or SIGINT, whichever comes first.
async fn stop_signal() {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => info!("SIGTERM: stopping"),
                    _ = tokio::signal::ctrl_c() => info!("SIGINT: stopping"),
                }
            }
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGTERM; only SIGINT stops the bot");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![AllowedUpdate::Message, AllowedUpdate::EditedMessage, AllowedUpdate::CallbackQuery, AllowedUpdate::InlineQuery, AllowedUpdate::ChosenInlineResult]
}

/// Starts the bot: long polling by default, a webhook when configured. Returns when stopped.
pub async fn run(config: Config, catalog: Arc<Catalog>) -> anyhow::Result<()> {
    use anyhow::Context;
    // One instance per database, decided before anything else.
    let _lock = InstanceLock::acquire(&config.db)?;
    let storage = Arc::new(Storage::open(&config.db).with_context(|| format!("opening the database {}", config.db.display()))?);
    let client = teloxide::net::default_reqwest_settings().build().context("building the HTTP client")?;
    let mut bot = Bot::with_client(config.token.expose(), client.clone());
    if let Some(url) = &config.api_url {
        bot = bot.set_api_url(url.clone());
    }
    let api = bot.api_url();
    // Signals are taken over first, so a stop during start-up is graceful too.
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = Arc::new(tokio::sync::Notify::new());
    {
        let (stop_tx, stopped) = (stop_tx.clone(), stopped.clone());
        tokio::spawn(async move {
            stop_signal().await;
            let _ = stop_tx.send(true);
            stopped.notify_waiters();
        });
    }
    let mut stop_wait = stop_rx.clone();
    let startup = async {
        let me =
            with_retry("getMe", || bot.get_me().into_future()).await.context("asking Telegram who the bot is (getMe); check the token and TELOXIDE_API_URL")?;
        info!(username = ?me.user.username, "connected to the Bot API");
        for lang in Lang::ALL {
            let res = with_retry("setMyCommands", || {
                let req = bot.set_my_commands(commands::commands(lang)).language_code(lang.code());
                async move { req.await }
            })
            .await;
            if let Err(e) = res {
                warn!(error = %e, lang = lang.code(), "could not register commands");
            }
        }
        if let Err(e) = with_retry("setMyCommands", || bot.set_my_commands(commands::commands(Lang::En)).into_future()).await {
            warn!(error = %e, "could not register default commands");
        }
        if let Some(url) = &config.webapp_url {
            let button = teloxide::types::MenuButton::WebApp {
                text: crate::i18n::t(Lang::Ru, "web-open", &[]),
                web_app: teloxide::types::WebAppInfo { url: url.clone() },
            };
            if let Err(e) = with_retry("setChatMenuButton", || bot.set_chat_menu_button().menu_button(button.clone()).into_future()).await {
                warn!(error = %e, "could not set the Mini App menu button");
            }
        }
        anyhow::Ok(me)
    };
    let me = tokio::select! {
        me = startup => me?,
        _ = stop_wait.wait_for(|s| *s) => {
            info!("stopped during start-up");
            storage.close(Duration::from_secs(2)).await;
            return Ok(());
        }
    };
    let shutdown = config.shutdown;
    let retention = config.retention;
    let webhook = config.webhook.clone();
    let app = Arc::new(App::new(catalog, storage.clone(), config.clone(), me));
    let pipeline = Pipeline::new(app.clone(), bot.clone());
    // What the last run left unanswered goes first.
    let resumed = pipeline.resume();
    if resumed > 0 {
        info!(updates = resumed, "answering updates left pending by the last run");
    }
    // A list other than the one last served: notices to those whose answer changed (and what an
    // interrupted broadcast left queued), paced, beside the replies.
    let broadcast = tokio::spawn(notices::run(app.clone(), bot.clone(), stop_rx.clone(), shutdown));
    let housekeeping = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut last_expiry: Option<Instant> = None;
            let mut warned_upcoming = false;
            loop {
                // The list is resolved at start: an amendment recorded ahead that comes into force
                // while the bot runs takes effect (and is notified) at the next start.
                if !warned_upcoming {
                    let today = crate::catalog::today();
                    if let Some(a) = app.catalog.upcoming.iter().find(|a| a.in_force <= today) {
                        warn!(number = %a.number, in_force = %a.in_force, "an amendment of the list is in force from today; restart the bot to answer from it and notify subscribers");
                        warned_upcoming = true;
                    }
                }
                if last_expiry.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
                    app.storage.expire(retention);
                    last_expiry = Some(Instant::now());
                }
                app.inline_log.settle(Some(Instant::now()), &app.storage);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    };
    let result = match webhook {
        None => {
            if let Err(e) = with_retry("deleteWebhook", || bot.delete_webhook().into_future()).await {
                warn!(error = %e, "could not remove a webhook; getUpdates may be refused");
            }
            polling::run(pipeline.clone(), client, api, &config.token, stop_rx.clone()).await.map_err(anyhow::Error::from)
        }
        Some(w) => {
            let tcp = tokio::net::TcpListener::bind(w.listen).await.with_context(|| format!("listening on {}", w.listen))?;
            let set =
                with_retry("setWebhook", || bot.set_webhook(w.url.clone()).secret_token(w.secret.clone()).allowed_updates(allowed_updates()).into_future())
                    .await;
            match set {
                Ok(_) => {
                    webhook::serve(&w, tcp, pipeline.clone(), stop_rx.clone()).await;
                    Ok(())
                }
                Err(e) => Err(anyhow::Error::from(e).context("setting the webhook")),
            }
        }
    };
    // Stopped (or failed): finish what can be finished within the deadline, leave the rest pending.
    let deadline = Instant::now() + shutdown;
    let _ = stop_tx.send(true);
    let left = pipeline.drain(deadline).await;
    let _ = tokio::time::timeout_at(deadline.into(), broadcast).await;
    housekeeping.abort();
    app.inline_log.settle(None, &app.storage);
    let closed = storage.close(deadline.saturating_duration_since(Instant::now()).max(Duration::from_secs(1))).await;
    if left > 0 {
        info!(updates = left, "not finished by the shutdown deadline; left pending in the inbox for the next start");
    }
    info!(closed, "stopped");
    result
}
