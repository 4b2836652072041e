# Kasip — English messages. Same ids and variables as ru/ and kk/ (checked by tests/locales.rs).

cmd-start = start and examples
cmd-help = how to use
cmd-lang = language: русский, қазақша, English
cmd-list = the list by education field
cmd-about = legal basis and how the list is made
cmd-subscriptions = answers you follow (🔔)
cmd-forget = delete my data

start =
    Hello! I'm Kasip. Type your occupation and I'll tell you whether it is on Kazakhstan's list of in-demand professions that lets foreigners obtain a permanent residence permit.

    Examples: "neurosurgeon", "I work as a programmer", "графический дизайнер", "2512-1-007".
    /list — the whole list, /lang — language, /about — legal basis.
help =
    Type an occupation in words (English, Russian or Kazakh) or its NKZ code, e.g. 2217-4-001.
    Several lines — several occupations, one answer per line. You can also send an .xlsx, .csv or .txt file; the answer comes back as the same kind of file.
    In groups: mention me or reply to my message; in any chat you can type @{ $bot } and an occupation.
    /list — the list, /lang — language, /about — legal basis, /subscriptions — answers you follow, /forget — delete my data.
about =
    Basis: Appendix 2 to the order of the Minister of Labour and Social Protection of the Population of the Republic of Kazakhstan of { $date } No. { $number } (registered { $registered_date } No. { $registered_number }, in force from { $in_force }), as amended by the order of { $amendment_date } No. { $amendment_number }.

    How the list is made (Appendix 1): the authority for migration analyses the "Foreign Labour" system's data on occupations for which employers bring in foreigners, the medium-term forecast of demand for staff, and the vacancies of the "Electronic Labour Exchange" portal; the draft is agreed with government bodies and the Atameken chamber of entrepreneurs (10 working days) and then approved.

    The bot's answer is reference information, not a decision of the authorities. The migration service decides.
basis = Basis: Appendix 2 to order No. { $number } of { $date }, as amended on { $amendment_date }.

listed =
    ✅ This occupation is on the list.
    { $name }
    NKZ code: { $code }
    Education field: { $field }
listed-local = ({ $local })
unsure-generic = Could you be more specific: which occupation exactly? Choose from the list:
unsure-ambiguous = Several occupations on the list fit. Which one is yours?
unsure-weak = I'm not sure I understood. Did you mean one of these?
unsure-code-group = Code { $code } covers several occupations on the list. Which one is yours?
unsure-one = Did you mean “{ $name }” ({ $code })?
rephrase-ask = All right. Please write the occupation differently — for example as your diploma or work contract names it — or send the NKZ code.
not-listed = ❌ This occupation is not on the list.
not-listed-other = ❌ "{ $query }" is not on the list of in-demand professions.
not-listed-code = ❌ Code { $code } is not on the list.
not-understood = I couldn't tell which occupation that is. Type the occupation's name or its NKZ code (e.g. 2217-4-001).
near-title = Similar occupations on the list:
rephrase-hint = If your diploma names it differently, try that name or send the NKZ code.
non-text = I only understand text. Type the occupation's name or its NKZ code.
flood = Too many messages this minute. Please write again in { $secs } s.
flood-lines = Too many lines this minute: this message has { $lines }, { $left } more fit before the minute is over. Send it again in { $secs } s — or as a .txt/.csv file, which is checked whole.
error = Something went wrong. Please try again a little later.
stale = This button is out of date. Please type the occupation again.

lang-choose = Choose a language:
lang-set = Language: English.
forget-done = Done: your settings are deleted. I keep nothing about you now.

list-title = The list of in-demand professions ({ $count }). Choose an education field:
list-field = { $field } — page { $page } of { $pages }:
btn-prev = ◀ Back
btn-next = Next ▶
btn-fields = ↩ Fields
btn-back = ↩ Back to the list
btn-yes = Yes
btn-no-other = No, something else

batch-title = Answers for { $count } lines:
batch-truncated = Only the first { $max } lines are shown. Send the rest in another message or a file.
batch-line-listed = ✅ { $query } — { $code } { $name }
batch-line-unsure = ❓ { $query } — please specify: { $names }
batch-line-not-listed = ❌ { $query } — not on the list
file-done = Done: { $count } lines, the result is in the file.
file-bad = I couldn't read the file. Send an .xlsx, .csv or UTF-8 .txt: one occupation per line, or an "occupation" column.
file-too-big = The file is too big (over { $max } KB).

verdict-listed = on the list
verdict-unsure = needs clarifying
verdict-not-listed = not on the list
inline-empty = Type an occupation after the bot's name
inline-hint = For example: neurosurgeon, programmer, 2512-1-007

stats-denied = This command is for administrators only.
stats =
    Queries in { $days } days: { $total }
    listed: { $listed }, unsure: { $unsure }, not listed: { $not_listed }
stats-top = Frequent queries not understood:

# Education fields as Kasip shows them (the nominative; data/ keeps the order's own wording).
field-healthcare = Healthcare
field-natural_sciences = Natural sciences, mathematics and statistics
field-engineering = Engineering, manufacturing and construction
field-digital = Digital development, innovation and aerospace industry
field-pedagogy = Pedagogical sciences
field-creative = Creative industries

# The search page and Telegram Mini App (kasip serve).
web-title = Kasip — is an occupation on Kazakhstan's in-demand list?
web-tagline = Is your occupation on Kazakhstan's list of in-demand professions that lets foreigners obtain a permanent residence permit?
web-search-label = Occupation or NKZ code
web-search-placeholder = e.g. neurosurgeon, programmer, 2512-1-007
web-search-hint = In English, Russian or Kazakh — the answer appears as you type.
web-browse = The list by education field
web-lang = Language
web-back = ← Back to search
web-not-found = There is no such code on the list.
web-loading = Looking…
web-busy = Too many requests. Please wait a moment and try again.
web-share = Link to this profession
web-open = Open the list
web-disclaimer = The answer is reference information, not a decision of the authorities. The migration service decides.
listed-one-of = Other listed professions fit your description too — pick the exact code if it is another:
not-listed-request = It looks like you are looking for a specialist. I check something else: whether your own occupation is on the list of in-demand professions for a residence permit. Tell me what you work as.
not-listed-aspiration = This sounds like an occupation you are studying for or would like to have. The list counts the profession you are qualified in and work in now. Tell me what you work as today, or ask again once you hold the diploma.
not-listed-former = This sounds like work you did before. The list counts the profession you are qualified in and work in now. Tell me what you work as today.

# When the list changes (🔔 subscriptions and notices).
basis-since = Basis: Appendix 2 to order No. { $number } of { $date }, as amended by order No. { $amendment_number } of { $amendment_date }, in force since { $since }.
about-version = The answers follow the wording of order No. { $amendment_number } of { $amendment_date }, in force since { $since }.
about-subscriptions = 🔔 Under an answer, "Tell me if this changes": when an amendment of the list changes that answer, I send you one message saying what changed. Only this is kept: the chat, the code or the text you asked, and the language — nothing without the press. /subscriptions shows them, with a button to remove each; /forget deletes everything.
btn-bell = 🔔 Tell me if this changes
sub-what-code = the code { $code }
sub-what-query = the text «{ $query }»
subscribed = 🔔 Done: if an amendment of the list changes this answer, I'll write once. I keep only this chat, { $what } and the language. /subscriptions — list, /forget — delete.
subscribed-already = 🔔 You already follow this answer. /subscriptions — list, /forget — delete.
subscribed-too-many = You follow { $max } answers, the most I keep. Remove some in /subscriptions.
subscriptions-none = You follow no answers. Press 🔔 under an answer and I'll tell you if an amendment of the list changes it.
subscriptions-title = Answers you follow: { $count }. I'll write if an amendment of the list changes one of them. I keep only this chat, the code or the text, and the language; /forget deletes everything.
subscriptions-line = { $n }. { $what } — { $state }
btn-unsubscribe = ✖ { $n } · { $what }
unsubscribed = Removed.
notice-title = 🔔 The list of in-demand professions has been amended, and an answer you follow has changed.
notice-removed = ❌ { $code } «{ $name }» is no longer on the list.
notice-not-listed-now = ❌ «{ $query }»: no occupation on the list fits it any more.
notice-now-listed = ✅ «{ $subject }» is now on the list:
notice-renamed = ✏️ { $code }: the official name is now «{ $name }» (was «{ $old }»).
notice-moved = ↪ { $code } «{ $name }» is now under the education field { $field } (was { $old }).
notice-unsure = ❓ «{ $query }» may now be on the list: { $names }. Send it again to choose.
