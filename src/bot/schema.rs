//! The dispatch tree: which handler an update goes to, and recording it as answered.

use super::App;
use std::future::Future;
use std::sync::Arc;
use teloxide::dispatching::UpdateHandler;
use teloxide::prelude::*;

/// Runs a handler and records its update as answered (whatever the outcome: a reply that could
/// not be sent after all retries is logged, and must not be retried forever after a restart).
async fn answered(app: &App, upd: &Update, work: impl Future<Output = ResponseResult<()>>) -> ResponseResult<()> {
    let result = work.await;
    app.done(upd.id.0 as i64);
    result
}

async fn on_message(bot: Bot, msg: Message, upd: Update, app: Arc<App>) -> ResponseResult<()> {
    answered(&app, &upd, super::text::handle_message(&bot, &msg, &app)).await
}

async fn on_callback(bot: Bot, q: CallbackQuery, upd: Update, app: Arc<App>) -> ResponseResult<()> {
    answered(&app, &upd, super::callbacks::handle_callback(&bot, &q, &app)).await
}

async fn on_inline(bot: Bot, q: InlineQuery, upd: Update, app: Arc<App>) -> ResponseResult<()> {
    answered(&app, &upd, super::inline::handle_inline(&bot, &q, &app)).await
}

pub fn schema() -> UpdateHandler<teloxide::RequestError> {
    dptree::entry()
        .filter(|upd: Update, app: Arc<App>| app.fresh(upd.id.0 as i64))
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_edited_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_inline_query().endpoint(on_inline))
}
