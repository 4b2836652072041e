//! The Telegram bot: teloxide handlers only. Scoring is the matcher's, wording is `reply`'s and the
//! locales', state is the store's; this module maps updates onto them and replies onto the Bot API.
//!
//! Layout: [`schema`] routes an update to its handler, one module per update kind ([`text`],
//! [`callbacks`], [`inline`], [`documents`]), [`commands`] parses commands, [`send`] sends with
//! retry, [`limits`] is the flood limit; this file holds the shared state and start/stop.
//!
//! Reliability: every Bot API call goes through [`with_retry`] (429 waits `retry_after`, 5xx and
//! network errors back off and retry); the last answered update id is kept in SQLite so a restart
//! neither repeats answers nor drops updates that arrived while the bot was down; SIGINT/SIGTERM
//! stop it after in-flight replies finish.

mod callbacks;
mod commands;
mod documents;
mod inline;
pub mod limits;
mod schema;
mod send;
mod text;

pub use documents::{document_queries, results_csv};
pub use inline::inline_results;
pub use send::{with_retry, MAX_ATTEMPTS};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::lang::Lang;
use crate::matcher::{Matcher, Verdict};
use crate::store::{self, Store};
use limits::RateLimiter;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{Me, User};
use tracing::{debug, info, warn};

pub struct App {
    pub catalog: Arc<Catalog>,
    pub matcher: Matcher,
    pub store: Store,
    pub config: Config,
    me: Me,
    pub(super) limiter: RateLimiter,
    /// The last update answered before this start: anything at or below it was answered already.
    resume_after: i64,
    last_done: AtomicI64,
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

    pub(super) fn username(&self) -> &str {
        self.me.user.username.as_deref().unwrap_or("")
    }

    pub(super) fn fresh(&self, update_id: i64) -> bool {
        let fresh = update_id > self.resume_after;
        if !fresh {
            debug!(update_id, "already answered before the restart; skipping");
        }
        fresh
    }

    pub(super) fn done(&self, update_id: i64) {
        let prev = self.last_done.fetch_max(update_id, Ordering::SeqCst);
        if update_id > prev {
            if let Err(e) = self.store.set_last_update_id(update_id) {
                warn!(error = %e, "could not record the last answered update");
            }
        }
    }

    pub(super) fn lang_for(&self, user: Option<&User>, text: &str) -> Lang {
        let saved = user.and_then(|u| match self.store.user_lang(u.id.0 as i64) {
            Ok(l) => l,
            Err(e) => {
                warn!(error = %e, "could not read the language choice");
                None
            }
        });
        Lang::choose(saved, user.and_then(|u| u.language_code.as_deref()), text)
    }

    pub(super) fn log(&self, lang: Lang, v: &Verdict, query: &str) {
        // A failed log write never stops a reply.
        if let Err(e) = self.store.log_query(store::now(), lang, v.kind.as_str(), v.code.as_ref().map(|c| c.as_str()), query) {
            warn!(error = %e, "could not log the query");
        }
    }
}

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
    let handler = schema::schema();
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
