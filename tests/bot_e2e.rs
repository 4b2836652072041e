//! End to end: the real `kasip` binary against a local stand-in of the Bot API. Each test drives
//! a flow through updates and asserts the texts and buttons the bot sends.

mod support;

use serde_json::Value;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_commands_in_each_language() {
    let (s, k, _dir) = setup(&[]).await;
    let calls = s.wait_for("setMyCommands", 15, |c| c.len() >= 4).await;
    let langs: Vec<&str> = calls.iter().filter_map(|c| c["language_code"].as_str()).collect();
    for l in ["ru", "kk", "en"] {
        assert!(langs.contains(&l), "{langs:?}");
    }
    let ru = calls.iter().find(|c| c["language_code"] == "ru").unwrap();
    let names: Vec<&str> = ru["commands"].as_array().unwrap().iter().map(|c| c["command"].as_str().unwrap()).collect();
    assert_eq!(names, ["start", "help", "lang", "list", "about", "subscriptions", "forget"]);
    assert!(ru["commands"][0]["description"].as_str().unwrap().contains("пример"));
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listed_unsure_and_not_listed_in_each_language() {
    let (s, k, _dir) = setup(&[]).await;
    // Russian: listed, with code, official name, field and basis.
    s.push(private_text(1, 100, "ru", "работаю нейрохирургом"));
    let r = s.reply_number(100, 1).await;
    let t = text(&r);
    assert!(t.contains("✅") && t.contains("2217-4-001") && t.contains("Врач-нейрохирург") && t.contains("Здравоохранение") && t.contains("№ 49"), "{t}");
    // Kazakh: unsure with a button per candidate.
    s.push(private_text(2, 200, "kk", "дәрігер"));
    let r = s.reply_number(200, 1).await;
    assert!(text(&r).contains("Нақтылаңыз"), "{}", text(&r));
    let data = button_data(&r);
    assert_eq!(data.len(), 9, "{data:?}");
    assert!(data.iter().all(|d| d.starts_with("a:22")), "a candidate answers the question: {data:?}");
    // English: not listed, near professions as buttons, a hint to rephrase.
    s.push(private_text(3, 300, "en", "cardiac surgeon"));
    let r = s.reply_number(300, 1).await;
    let t = text(&r);
    assert!(t.contains("not on the list") && t.contains("NKZ code"), "{t}");
    assert!(button_data(&r).contains(&"p:2217-4-001".to_string()));
    // A language Kasip does not speak falls back to Russian for Cyrillic text.
    s.push(private_text(4, 400, "de", "программист-аналитик"));
    let t = text(&s.reply_number(400, 1).await);
    assert!(t.contains("2512-1-005") && t.contains("Код НКЗ"), "{t}");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pressing_a_candidate_turns_the_question_into_the_answer() {
    let (s, k, _dir) = setup(&[]).await;
    // "архитектор" may design buildings: the question offers the listed architects.
    s.push(private_text(1, 100, "ru", "архитектор"));
    let r = s.reply_number(100, 1).await;
    assert!(text(&r).contains("Уточните") || text(&r).contains("Какая"), "{}", text(&r));
    assert!(button_data(&r).contains(&"a:2523-0-006".to_string()), "{:?}", button_data(&r));
    s.push(callback(2, 100, "ru", "a:2523-0-006", 555));
    let edits = s.wait_for("editMessageText", 15, |c| !c.is_empty()).await;
    assert_eq!(edits[0]["message_id"], 555);
    assert!(text(&edits[0]).contains("✅") && text(&edits[0]).contains("2523-0-006"));
    let answered = s.wait_for("answerCallbackQuery", 15, |c| !c.is_empty()).await;
    assert_eq!(answered[0]["callback_query_id"], "cb2");
    // A stale or forged button gets a clear notice, not an edit and not a crash.
    s.push(callback(3, 100, "ru", "p:9999-9-999", 556));
    let answered = s.wait_for("answerCallbackQuery", 15, |c| c.len() >= 2).await;
    assert!(answered[1]["text"].as_str().unwrap().contains("устарела"));
    assert_eq!(s.ok_calls("editMessageText").len(), 1);
    assert_eq!(s.ok_calls("sendMessage").len(), 1);
    assert!(k.stop().success());
}

/// Issue #12, item 7: a near profession under ❌ (or another fitting code under ✅) opens below;
/// the verdict on what was asked is never overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offered_profession_opens_below_and_the_verdict_stays() {
    let (s, k, _dir) = setup(&[]).await;
    s.push(private_text(1, 100, "en", "nurse"));
    let r = s.reply_number(100, 1).await;
    assert!(text(&r).contains("❌"), "{}", text(&r));
    assert!(button_data(&r).contains(&"p:2217-4-001".to_string()), "{:?}", button_data(&r));
    s.push(callback(2, 100, "en", "p:2217-4-001", 555));
    let shown = s.reply_number(100, 2).await;
    assert!(text(&shown).contains("✅") && text(&shown).contains("2217-4-001"), "{}", text(&shown));
    // ✅ with other fitting codes: the same.
    s.push(private_text(3, 100, "ru", "Java-разработчик"));
    let r = s.reply_number(100, 3).await;
    assert!(text(&r).contains("2512-1-007") && button_data(&r).contains(&"p:2512-2-003".to_string()), "{}", text(&r));
    s.push(callback(4, 100, "ru", "p:2512-2-003", 556));
    let shown = s.reply_number(100, 4).await;
    assert!(text(&shown).contains("2512-2-003") && text(&shown).contains("Разработчик мобильных приложений"), "{}", text(&shown));
    s.wait_for("answerCallbackQuery", 15, |c| c.len() >= 2).await;
    assert!(s.ok_calls("editMessageText").is_empty(), "no answer was overwritten");
    assert!(k.stop().success());
}

/// Issue #12, item 9: one candidate is a yes/no question, "no" asks to rephrase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_candidate_is_asked_yes_or_no() {
    let (s, k, _dir) = setup(&[]).await;
    s.push(private_text(1, 100, "en", "звукорежиссёр"));
    let r = s.reply_number(100, 1).await;
    let t = text(&r);
    assert!(t.contains("Did you mean") && t.contains("3521-2-004") && !t.to_lowercase().contains("choose from the list"), "{t}");
    assert_eq!(button_data(&r), ["a:3521-2-004", "r"]);
    s.push(callback(2, 100, "en", "r", 555));
    let e = s.wait_for("editMessageText", 15, |c| !c.is_empty()).await;
    assert!(text(&e[0]).contains("write the occupation differently"), "{}", text(&e[0]));
    s.push(callback(3, 100, "en", "a:3521-2-004", 556));
    let e = s.wait_for("editMessageText", 15, |c| c.len() >= 2).await;
    assert!(text(&e[1]).contains("✅") && text(&e[1]).contains("3521-2-004"));
    assert!(k.stop().success());
}

/// Issue #12, item 1: one message within KASIP_BATCH_MAX is answered even when its lines exceed
/// the per-minute limit; a refusal says what and when.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_batch_over_the_rate_limit_is_answered_and_refusals_say_why_and_when() {
    let (s, k, _dir) = setup(&[("KASIP_RATE_LIMIT", "3"), ("KASIP_BATCH_MAX", "5")]).await;
    let five = "нейрохирург\nонколог\nбариста\nврач\nхирург";
    s.push(private_text(1, 100, "ru", five));
    let t = text(&s.reply_number(100, 1).await);
    assert!(t.contains("по 5 строкам") && t.contains("✅ нейрохирург") && t.contains("❌ бариста"), "{t}");
    // Two full batches a minute (10 lines): the second is answered, 2 more lines are not.
    s.push(private_text(2, 100, "ru", five));
    assert!(text(&s.reply_number(100, 2).await).contains("по 5 строкам"));
    s.push(private_text(3, 100, "ru", "онколог\nпедиатр"));
    let t = text(&s.reply_number(100, 3).await);
    assert!(t.contains("Слишком много строк за минуту") && t.contains("в этом сообщении 2") && t.contains("ещё 0"), "{t}");
    let secs: u64 = t.split("через ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).expect(&t);
    assert!((1..=60).contains(&secs), "{t}");
    // The fourth message is over the message limit (3): said once, with when to retry.
    s.push(private_text(4, 100, "en", "oncologist"));
    let t = text(&s.reply_number(100, 4).await);
    assert!(t.contains("Too many messages this minute") && t.contains(" s."), "{t}");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lang_choice_is_remembered_and_forget_removes_it() {
    let (s, k, dir) = setup(&[]).await;
    s.push(private_text(1, 100, "en", "/lang"));
    let r = s.reply_number(100, 1).await;
    assert_eq!(button_data(&r), ["l:ru", "l:kk", "l:en"]);
    s.push(callback(2, 100, "en", "l:kk", 700));
    let edits = s.wait_for("editMessageText", 15, |c| !c.is_empty()).await;
    assert!(text(&edits[0]).contains("қазақша"));
    s.push(private_text(3, 100, "en", "врач"));
    assert!(text(&s.reply_number(100, 2).await).contains("Нақтылаңыз"));
    // The choice survives a restart.
    assert!(k.stop().success());
    let k = Kasip::start(&s, &dir.path().join("kasip.db"), &[]);
    s.push(private_text(4, 100, "en", "/help"));
    assert!(text(&s.reply_number(100, 3).await).contains("Кәсібіңізді"));
    s.push(private_text(5, 100, "en", "/forget"));
    assert!(text(&s.reply_number(100, 4).await).contains("деректерімді") || text(&s.reply_number(100, 4).await).contains("жойылды"));
    s.push(private_text(6, 100, "en", "doctor"));
    assert!(text(&s.reply_number(100, 5).await).contains("Could you be more specific"));
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_browses_by_field_with_pages() {
    let (s, k, _dir) = setup(&[]).await;
    s.push(private_text(1, 100, "ru", "/list"));
    let r = s.reply_number(100, 1).await;
    assert!(text(&r).contains("51"));
    assert_eq!(button_data(&r).len(), 6);
    // Digital has 23 professions: three pages of 8.
    s.push(callback(2, 100, "ru", "f:3:0", 800));
    let e = s.wait_for("editMessageText", 15, |c| !c.is_empty()).await;
    assert!(text(&e[0]).contains("1 из 3"), "{}", text(&e[0]));
    let data = button_data(&e[0]);
    assert_eq!(data.iter().filter(|d| d.starts_with("lp:")).count(), 8);
    assert!(data.contains(&"f:3:1".to_string()) && data.contains(&"f".to_string()));
    s.push(callback(3, 100, "ru", "f:3:2", 800));
    let e = s.wait_for("editMessageText", 15, |c| c.len() >= 2).await;
    assert!(text(&e[1]).contains("3 из 3"));
    let data = button_data(&e[1]);
    assert_eq!(data.iter().filter(|d| d.starts_with("lp:")).count(), 7);
    // Issue #12, items 7 and 8: an entry shows in place with a way back to its page; labels keep
    // the code whole and first, field buttons their count.
    let label = e[1]["reply_markup"]["inline_keyboard"][0][0]["text"].as_str().unwrap().to_string();
    let code = data[0].split(':').nth(1).unwrap().to_string();
    assert!(label.starts_with(&format!("{code} · ")), "{label}");
    let fields: Vec<String> = r["reply_markup"]["inline_keyboard"].as_array().unwrap().iter().map(|row| row[0]["text"].as_str().unwrap().to_string()).collect();
    assert!(fields.iter().all(|f| f.ends_with(')') && f.contains(" (")), "{fields:?}");
    s.push(callback(4, 100, "ru", &data[0], 800));
    let e = s.wait_for("editMessageText", 15, |c| c.len() >= 3).await;
    assert!(text(&e[2]).contains("✅") && text(&e[2]).contains(&code), "{}", text(&e[2]));
    assert_eq!(button_data(&e[2]), ["f:3:2"]);
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_help_about_and_non_text() {
    let (s, k, _dir) = setup(&[]).await;
    s.push(private_text(1, 100, "ru", "/start"));
    assert!(text(&s.reply_number(100, 1).await).contains("Kasip"));
    s.push(private_text(2, 100, "ru", "/about"));
    let t = text(&s.reply_number(100, 2).await);
    assert!(
        t.contains("31938") && t.contains("20.02.2023") && t.contains("03.05.2024") && t.contains("Электронная биржа труда") && t.contains("не решение"),
        "{t}"
    );
    s.push(private_text(3, 100, "en", "/help"));
    assert!(text(&s.reply_number(100, 3).await).contains(&format!("@{BOT_USERNAME}")));
    s.push(photo(4, 100, "en"));
    assert!(text(&s.reply_number(100, 4).await).contains("only understand text"));
    s.push(private_text(5, 100, "en", "\u{0}\u{202e}😀😀😀"));
    assert!(text(&s.reply_number(100, 5).await).contains("couldn't tell"));
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_answer_only_when_addressed() {
    let (s, k, _dir) = setup(&[]).await;
    let chat = -1001;
    s.push(group_text(1, chat, 100, "коллеги, кто знает хорошего нейрохирурга?", false));
    s.push(group_text(2, chat, 100, &format!("@{BOT_USERNAME} нейрохирург"), false));
    let r = s.reply_number(chat, 1).await;
    assert!(text(&r).contains("2217-4-001"));
    assert_eq!(r["reply_parameters"]["message_id"], 2, "threaded under the question");
    s.push(group_text(3, chat, 100, "а онколог?", true));
    assert!(text(&s.reply_number(chat, 2).await).contains("2211-7-004"));
    s.push(group_text(4, chat, 100, "/list@other_bot", false));
    s.push(group_text(5, chat, 100, "/about", false));
    assert!(text(&s.reply_number(chat, 3).await).contains("31938"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(s.ok_calls("sendMessage").len(), 3, "chatter and other bots' commands are ignored");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_mode_offers_candidates() {
    let (s, k, _dir) = setup(&[]).await;
    s.push(inline(1, 100, "ru", "нейрохирург"));
    let a = s.wait_for("answerInlineQuery", 15, |c| !c.is_empty()).await;
    let results = a[0]["results"].as_array().unwrap();
    assert_eq!(results[0]["id"], "2217-4-001");
    assert_eq!(results[0]["title"], "Врач-нейрохирург");
    assert!(results[0]["description"].as_str().unwrap().contains("в перечне"));
    assert!(results[0]["input_message_content"]["message_text"].as_str().unwrap().contains("Здравоохранение"));
    s.push(inline(2, 100, "en", ""));
    let a = s.wait_for("answerInlineQuery", 15, |c| c.len() >= 2).await;
    let n = a[1]["results"].as_array().unwrap().len();
    assert!((1..=10).contains(&n), "an empty inline query gets a short list");
    s.push(inline(3, 100, "en", "developer"));
    let a = s.wait_for("answerInlineQuery", 15, |c| c.len() >= 3).await;
    let ids: Vec<&str> = a[2]["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"2512-1-007") && ids.len() >= 3, "{ids:?}");
    s.push(inline(4, 100, "en", "barista"));
    let a = s.wait_for("answerInlineQuery", 15, |c| c.len() >= 4).await;
    assert!(a[3]["results"][0]["input_message_content"]["message_text"].as_str().unwrap().contains("not on the list"));
    // Issue #12, items 6 and 11: the near professions are in the posted text (inline results have
    // no buttons), and the answer is personal (it is in this user's language).
    assert!(a.iter().all(|c| c["is_personal"] == true), "{:?}", a.iter().map(|c| &c["is_personal"]).collect::<Vec<_>>());
    s.push(inline(5, 100, "ru", "кардиохирург"));
    let a = s.wait_for("answerInlineQuery", 15, |c| c.len() >= 5).await;
    let posted = a[4]["results"][0]["input_message_content"]["message_text"].as_str().unwrap();
    let near = posted.split("Близкие профессии из перечня:").nth(1).expect(posted);
    assert!(near.contains("2217-4-001 Врач-нейрохирург") && !posted.trim_end().ends_with(':'), "{posted}");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_message_and_document() {
    let (s, k, _dir) = setup(&[("KASIP_BATCH_MAX", "3")]).await;
    s.push(private_text(1, 100, "ru", "нейрохирург\nврач\nбариста\nонколог\n"));
    let t = text(&s.reply_number(100, 1).await);
    assert!(t.contains("✅ нейрохирург — 2217-4-001") && t.contains("❓ врач") && t.contains("❌ бариста"), "{t}");
    // The fourth line is not answered (онколог may still appear among врач's candidates).
    let answered_queries: Vec<&str> = t.lines().filter_map(|l| l.split_whitespace().nth(1)).collect();
    assert!(!answered_queries.contains(&"онколог") && t.contains("первые 3"), "bounded and says so: {t}");
    s.add_file("docs/F1", "нейрохирург\nбариста\n2512-1-007\n".as_bytes());
    s.push(document(2, 100, "F1", "clients.txt", "text/plain"));
    let d = s.wait_for("sendDocument", 15, |c| !c.is_empty()).await;
    let raw = d[0]["_raw"].as_str().unwrap();
    assert!(raw.contains("query,verdict,verdict_text,code,name,field,candidates"), "{raw}");
    assert!(raw.contains("нейрохирург,listed,в перечне,2217-4-001,Врач-нейрохирург,Здравоохранение,"), "{raw}");
    assert!(raw.contains("бариста,not_listed,нет в перечне,,,,"), "{raw}");
    assert!(raw.contains("2512-1-007,listed,в перечне,2512-1-007"), "{raw}");
    assert!(raw.contains("kasip.csv"));
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_is_for_admins_only() {
    let (s, k, _dir) = setup(&[("KASIP_ADMINS", "777")]).await;
    s.push(private_text(1, 100, "en", "кардиолог"));
    s.reply_number(100, 1).await;
    s.push(private_text(2, 100, "en", "/stats"));
    assert!(text(&s.reply_number(100, 2).await).contains("administrators only"));
    s.push(private_text(3, 777, "en", "/stats"));
    let t = text(&s.reply_number(777, 1).await);
    assert!(t.contains("Queries in 7 days: 1") && t.contains("кардиолог"), "{t}");
    assert!(k.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_is_answered_politely_once_and_others_still_served() {
    let (s, k, _dir) = setup(&[("KASIP_RATE_LIMIT", "5")]).await;
    for i in 0..8 {
        s.push(private_text(i + 1, 100, "en", "neurosurgeon"));
    }
    s.push(private_text(9, 200, "en", "oncologist"));
    s.reply_number(200, 1).await;
    s.wait_for("sendMessage", 15, |c| c.iter().filter(|b| b["chat_id"] == 100).count() >= 6).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mine: Vec<Value> = s.ok_calls("sendMessage").into_iter().filter(|b| b["chat_id"] == 100).collect();
    assert_eq!(mine.len(), 6, "5 answers and one notice");
    assert_eq!(mine.iter().filter(|b| text(b).contains("Too many messages")).count(), 1);
    assert!(k.stop().success());
}
