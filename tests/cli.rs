//! The command line as offices and the scorer use it: `kasip match --json` (one answer a line, in
//! order, whatever the input), `--csv`, `kasip list --json`, and a bad data directory.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn kasip(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kasip"))
        .args(args)
        .env_remove("KASIP_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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
    assert_ne!(code, 0);
    assert!(err.contains("ru, kk or en"), "{err}");
}

#[test]
fn match_csv_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("clients.csv");
    std::fs::write(&f, "\"программист, 1С\",Иванов\nнейрохирург,Петров\n").unwrap();
    let (code, out, _) = kasip(&["match", "--csv", "--file", f.to_str().unwrap()], b"");
    assert_eq!(code, 0);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows[0], "query,verdict,code,name,field");
    assert!(rows[1].starts_with("\"программист, 1С\",unsure,"));
    assert_eq!(rows[2], "нейрохирург,listed,2217-4-001,Врач-нейрохирург,Здравоохранения");
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
    assert_ne!(code, 0);
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
