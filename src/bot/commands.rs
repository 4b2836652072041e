//! Commands: parsing `/name@bot` and the command list registered with Telegram in each language.

use super::App;
use crate::i18n::t;
use crate::lang::Lang;
use teloxide::types::BotCommand;

pub(super) enum Command {
    Start,
    Help,
    Lang,
    List,
    About,
    Forget,
    Subscriptions,
    Stats,
    Unknown,
    /// Addressed to another bot in a group.
    NotOurs,
    /// Not a command: an occupation (or several, a line each).
    Text,
}

impl App {
    pub(super) fn command(&self, text: &str) -> Command {
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
            "subscriptions" | "subs" => Command::Subscriptions,
            "stats" => Command::Stats,
            _ => Command::Unknown,
        }
    }
}

pub(super) fn commands(lang: Lang) -> Vec<BotCommand> {
    ["start", "help", "lang", "list", "about", "subscriptions", "forget"].iter().map(|c| BotCommand::new(*c, t(lang, &format!("cmd-{c}"), &[]))).collect()
}
