//! Which updates are answered, who is charged for them, which queue they wait in, and which handler
//! answers them. [`App::plan`] is cheap (no matching, no database) so that it can run before the
//! flood limit, for every update.

use super::commands::Command;
use super::limits::Refusal;
use super::App;
use teloxide::prelude::*;
use teloxide::types::UpdateKind;

/// What an update needs.
pub(super) struct Plan {
    /// The queue (a chat) it waits in: answers in one chat keep their order.
    pub queue: i64,
    /// Whose flood allowance it uses (a user, or the chat an anonymous admin speaks for).
    pub actor: u64,
    /// Lines it carries (a batch; 1 for anything else), for the flood limit's line budget.
    pub cost: u32,
    /// Inline queries and button presses have their own, larger allowance and no notice.
    pub inline: bool,
}

impl App {
    /// `None`: nothing to answer (someone else's bot, chatter in a group, our own inline result).
    pub(super) fn plan(&self, upd: &Update) -> Option<Plan> {
        match &upd.kind {
            UpdateKind::Message(m) | UpdateKind::EditedMessage(m) => self.plan_message(m),
            UpdateKind::CallbackQuery(q) => {
                let queue = q.message.as_ref().map_or(q.from.id.0 as i64, |m| m.chat().id.0);
                Some(Plan { queue, actor: q.from.id.0, cost: 1, inline: true })
            }
            UpdateKind::InlineQuery(q) => Some(Plan { queue: q.from.id.0 as i64, actor: q.from.id.0, cost: 1, inline: true }),
            UpdateKind::ChosenInlineResult(r) => Some(Plan { queue: r.from.id.0 as i64, actor: r.from.id.0, cost: 0, inline: true }),
            _ => None,
        }
    }

    fn plan_message(&self, m: &Message) -> Option<Plan> {
        // A message posted through our own inline mode is our answer, not a question.
        if m.via_bot.as_ref().is_some_and(|b| b.id == self.me.user.id) {
            return None;
        }
        // Other bots are not answered; an anonymous group admin (GroupAnonymousBot with
        // `sender_chat`) is a person and is.
        if m.from.as_ref().is_some_and(|u| u.is_bot) && m.sender_chat.is_none() {
            return None;
        }
        let actor = match (&m.sender_chat, &m.from) {
            (Some(c), _) => c.id.0 as u64,
            (None, Some(u)) => u.id.0,
            (None, None) => m.chat.id.0 as u64,
        };
        let text = m.text().or(m.caption());
        let plan = |cost: u32| Some(Plan { queue: m.chat.id.0, actor, cost: cost.max(1), inline: false });
        if m.document().is_some() {
            let addressed = m.chat.is_private() || text.is_some_and(|t| self.addressed(m, t).is_some());
            return if addressed { plan(1) } else { None };
        }
        let Some(text) = m.text() else {
            return if m.chat.is_private() { plan(1) } else { None };
        };
        let text = self.addressed(m, text)?;
        if matches!(self.command(&text), Command::NotOurs) {
            return None;
        }
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        plan(lines.clamp(1, self.config.batch_max) as u32)
    }
}

/// Answers one update (the plan said it needs answering and the flood limit let it through).
pub(super) async fn handle(app: &App, bot: &Bot, upd: &Update, notice: Option<Refusal>) -> ResponseResult<()> {
    match (&upd.kind, notice) {
        (UpdateKind::Message(m) | UpdateKind::EditedMessage(m), Some(r)) => super::text::flood_notice(bot, m, app, r).await,
        (UpdateKind::Message(m) | UpdateKind::EditedMessage(m), None) => super::text::handle_message(bot, m, app).await,
        (UpdateKind::CallbackQuery(q), _) => super::callbacks::handle_callback(bot, q, app).await,
        (UpdateKind::InlineQuery(q), _) => super::inline::handle_inline(bot, q, app).await,
        (UpdateKind::ChosenInlineResult(r), _) => {
            app.inline_log.chosen(r.from.id.0, &r.query, &app.storage);
            Ok(())
        }
        _ => Ok(()),
    }
}
