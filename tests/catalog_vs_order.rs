//! Holds data/professions.toml against the order: Appendix 2 to order No. 49 (wording of
//! No. 134 of 03.05.2024) lists exactly these 51 codes, with these Russian names, under these
//! education fields (see data/professions.toml for how the seed's layout was read). The table
//! below is a second, independent transcription of the seed; when ../shared/seed/ is present the
//! codes and names are also found in the seed text itself.

use kasip::Catalog;

const H: &[&str] = &["healthcare"];
const SE: &[&str] = &["natural_sciences", "engineering"];
const D: &[&str] = &["digital"];
const P: &[&str] = &["pedagogy"];
const C: &[&str] = &["creative"];

const ORDER: &[(&str, &str, &[&str])] = &[
    ("2217-4-001", "Врач-нейрохирург", H),
    ("2211-7-002", "Врач-гематолог", H),
    ("2211-7-004", "Врач-онколог", H),
    ("2215-2-002", "Врач-неонатолог", H),
    ("2212-1-001", "Врач-эндокринолог", H),
    ("2212-7-001", "Анестезиолог-реаниматолог", H),
    ("2214-8-001", "Врач акушер-гинеколог", H),
    ("2215-1-001", "Врач-педиатр", H),
    ("2216-3-002", "Врач лучевой диагностики", H),
    ("2145-9-005", "Инженер-исследователь по технологии неорганических веществ", SE),
    ("2145-9-006", "Инженер-исследователь по технологии органических веществ", SE),
    ("2145-9-007", "Инженер-технолог фармацевтической промышленности", SE),
    ("2146-9-006", "Инженер-исследователь по подготовке полезных ископаемых", SE),
    ("2144-4-023", "Инженер авиационный", SE),
    ("2144-5-003", "Инженер по аппаратно-программному обеспечению космической системы", SE),
    ("2149-9-001", "Инженер по внедрению новой техники и технологии", SE),
    ("2149-9-002", "Инженер по лазерному оборудованию", SE),
    ("2149-9-011", "Инженер-исследователь по технологии производства целлюлозы, бумаги, полиграфии и волокна", SE),
    ("2149-9-012", "Инженер-медицинский радиохимик", SE),
    ("2149-9-013", "Инженер-медицинский физик", SE),
    ("2149-9-015", "Классификатор текстильного сырья", SE),
    ("2131-5-001", "Бактериолог", SE),
    ("2521-2-001", "Архитектор информационной технологии-инфраструктуры", D),
    ("2511-3-001", "Архитектор программного обеспечения", D),
    ("2512-1-007", "Разработчик программного обеспечения", D),
    ("2512-1-008", "Специалист по поддержке программных продуктов", D),
    ("2512-2-003", "Разработчик мобильных приложений", D),
    ("2512-3-001", "Разработчик компьютерных игр", D),
    ("2519-9-001", "Инженер по искусственному интеллекту", D),
    ("2521-1-003", "Специалист по работе с большими данными", D),
    ("2523-0-006", "Архитектор информационных систем", D),
    ("2519-9-002", "Программист приложений", D),
    ("2511-2-001", "Бизнес-аналитик в области информационно-коммуникационных технологий", D),
    ("2512-1-001", "Дизайнер программного обеспечения", D),
    ("2512-1-003", "Менеджер проектов информационно-коммуникационных технологий", D),
    ("2524-0-003", "Инженер по защите информации", D),
    ("2529-0-001", "Специалист по облачным вычислениям", D),
    ("2141-3-001", "Инженер по автоматизации", D),
    ("2512-2-001", "World Wide Web-разработчик", D),
    ("2512-1-005", "Программист-аналитик", D),
    ("2317-0-003", "Преподаватель, доцент, профессор информационно-технологическому и программному обеспечению, высшее учебное заведение", D),
    ("2524-0-007", "Специалист по информационной безопасности", D),
    ("2522-0-003", "Администратор серверов", D),
    ("2512-2-004", "Разработчик приложений", D),
    ("2524-0-006", "Специалист по защите информации", D),
    ("2338-1-001", "Мастер производственного обучения (инженерия и инженерное дело)", P),
    ("2166-1", "Графический дизайнер", C),
    ("2166-2", "Техник графической анимации", C),
    ("2651-3-004", "Художник-иллюстратор", C),
    ("3521-2-004", "Звукооператор", C),
    ("3521-3-003", "Видеомонтажер", C),
];

#[test]
fn the_list_is_the_orders_list() {
    let c = Catalog::embedded().unwrap();
    assert_eq!(ORDER.len(), 51);
    assert_eq!(c.professions.len(), 51, "exactly 51 professions, no more, no fewer");
    for (p, (code, name, fields)) in c.professions.iter().zip(ORDER) {
        assert_eq!(p.code.as_str(), *code, "order of rows as in the appendix");
        assert_eq!(p.name.ru, *name, "{code}");
        assert_eq!(p.fields, *fields, "{code}");
        assert!(!p.name.kk.is_empty() && !p.name.en.is_empty(), "{code} has kk and en names");
    }
}

#[test]
fn the_orders_metadata() {
    let o = Catalog::embedded().unwrap().order;
    assert_eq!((o.number.as_str(), o.date.as_str()), ("49", "2023-02-20"));
    assert_eq!((o.registered_number.as_str(), o.registered_date.as_str()), ("31938", "2023-02-21"));
    assert_eq!(o.in_force, "2023-02-28");
    assert_eq!((o.amendment_number.as_str(), o.amendment_date.as_str()), ("134", "2024-05-03"));
}

/// The seed is a PDF turned into text: words are broken across lines and sometimes letter-spaced.
fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[test]
fn codes_and_names_appear_in_the_seed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seed");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no ../shared/seed here; skipping the comparison with the source text");
        return;
    };
    let text: String = entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect();
    let seed = squash(&text);
    for (code, name, _) in ORDER {
        assert!(text.contains(code), "{code} not in the seed");
        assert!(seed.contains(&squash(name)), "{name} not in the seed");
    }
    // No other code of the classifier's shape appears in Appendix 2.
    let appendix = &text[text.find("Приложение 2").unwrap()..];
    let found: std::collections::BTreeSet<String> =
        appendix.split(|c: char| c.is_whitespace()).filter(|w| kasip::Code::parse_canonical(w).is_some()).map(String::from).collect();
    let ours: std::collections::BTreeSet<String> = ORDER.iter().map(|(c, _, _)| c.to_string()).collect();
    assert_eq!(found, ours);
}
