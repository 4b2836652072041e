//! Files in and out: a consultant's list as .txt, .csv or .xlsx, and the answer file in the same
//! contract for the bot, the CLI and the web API (README: "The CSV/XLSX contract").
//!
//! In: a header row is detected; the occupation is taken from the column named like
//! query/профессия/occupation/должность/кәсіп (else the first); every other column is carried
//! through unchanged. Out: the input's columns, then `verdict` (machine value), `verdict_text` (in
//! the user's language), `code`, `name`, `field` (only for `listed`) and `candidates` (the options
//! of an unsure answer, the near professions of a not-listed one). CSV cells that a spreadsheet
//! would run as a formula are neutralised (OWASP's CSV-injection rule); .xlsx cells are always
//! written as text, never as formulas.

use crate::catalog::Catalog;
use crate::lang::Lang;
use crate::matcher::{Verdict, VerdictKind};
use crate::reply;
use std::borrow::Cow;
use std::io::Cursor;

/// What a file is, from its name or media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One occupation a line.
    Text,
    Csv,
    Xlsx,
}

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Our columns, after the input's.
pub const ANSWER_COLUMNS: [&str; 6] = ["verdict", "verdict_text", "code", "name", "field", "candidates"];

/// Longest text in one .xlsx cell (Excel's limit).
const XLSX_CELL_CHARS: usize = 32_767;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("the file is not UTF-8 text")]
    NotText,
    #[error("the file is not a readable .xlsx workbook ({0})")]
    BadXlsx(String),
    #[error("the .xlsx workbook has no worksheet")]
    NoWorksheet,
    #[error("the file has more than {max} rows")]
    TooManyRows { max: usize },
    #[error("cannot write the answer file ({0})")]
    Write(String),
}

impl Kind {
    /// From a file name's extension, else its media type; `None` for anything else.
    pub fn detect(file_name: &str, mime: Option<&str>) -> Option<Kind> {
        let name = file_name.to_ascii_lowercase();
        let mime = mime.unwrap_or("").to_ascii_lowercase();
        let mime = mime.split(';').next().unwrap_or("").trim();
        if name.ends_with(".xlsx") || mime == XLSX_MIME {
            Some(Kind::Xlsx)
        } else if name.ends_with(".csv") || mime == "text/csv" || mime == "application/csv" {
            Some(Kind::Csv)
        } else if name.ends_with(".txt") || mime.starts_with("text/") {
            Some(Kind::Text)
        } else {
            None
        }
    }

    /// The answer's kind: .xlsx for .xlsx, else .csv.
    pub fn answer(self) -> Kind {
        match self {
            Kind::Xlsx => Kind::Xlsx,
            _ => Kind::Csv,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Text => "txt",
            Kind::Csv => "csv",
            Kind::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Text => "text/plain; charset=utf-8",
            Kind::Csv => "text/csv; charset=utf-8",
            Kind::Xlsx => XLSX_MIME,
        }
    }
}

/// A consultant's list as read: rows of cells, and which cell holds the occupation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// The input's header row, when it had one.
    pub header: Option<Vec<String>>,
    pub query_column: usize,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A one-column table of queries (the CLI's arguments or standard input).
    pub fn from_queries(queries: impl IntoIterator<Item = String>) -> Table {
        Table { header: None, query_column: 0, rows: queries.into_iter().map(|q| vec![q]).collect() }
    }

    /// The occupation of each row ("" where the row has no such cell).
    pub fn queries(&self) -> impl Iterator<Item = &str> + '_ {
        self.rows.iter().map(|r| r.get(self.query_column).map_or("", |s| s.trim()))
    }

    fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).chain(self.header.as_ref().map(Vec::len)).max().unwrap_or(1).max(self.query_column + 1)
    }
}

/// Header cells that name the occupation column (compared lower-cased, without punctuation; a
/// cell that starts with one of these counts: "Профессия клиента", "Occupation (as in diploma)").
const QUERY_HEADERS: &[&str] = &[
    "query",
    "occupation",
    "profession",
    "job",
    "position",
    "specialty",
    "speciality",
    "запрос",
    "професси",
    "должност",
    "специальност",
    "квалификаци",
    "род занятий",
    "кәсіп",
    "мамандық",
    "лауазым",
    "сұрау",
];

/// Other header cells a consultant's sheet typically has; a first row made only of these (and of
/// query headers) is a header too.
const OTHER_HEADERS: &[&str] = &[
    "client",
    "name",
    "full name",
    "id",
    "no",
    "nr",
    "number",
    "comment",
    "note",
    "email",
    "phone",
    "country",
    "клиент",
    "имя",
    "фио",
    "фамилия",
    "номер",
    "комментарий",
    "примечание",
    "телефон",
    "страна",
    "гражданство",
    "аты",
    "тегі",
    "клиенттің",
];

fn header_key(cell: &str) -> String {
    let lower = cell.trim().to_lowercase();
    let kept: String = lower.chars().map(|c| if c.is_alphanumeric() || c == ' ' { c } else { ' ' }).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `loose`: a cell that starts with a query header counts ("Профессия клиента"); a one-column
/// file's first line must be the word itself, since "специальность врача" is a query there.
fn is_query_header(cell: &str, loose: bool) -> bool {
    let k = header_key(cell);
    !k.is_empty() && QUERY_HEADERS.iter().any(|h| if loose { k.starts_with(h) } else { k == *h || QUERY_WORDS.contains(&k.as_str()) })
}

/// The whole words for a one-column file's header.
const QUERY_WORDS: &[&str] =
    &["профессия", "должность", "специальность", "квалификация", "мамандық", "кәсіп", "лауазым", "occupation", "profession", "queries"];

fn is_other_header(cell: &str) -> bool {
    let k = header_key(cell);
    k.is_empty() || k == "№" || OTHER_HEADERS.iter().any(|h| k == *h || k.starts_with(&format!("{h} ")))
}

/// Turns read rows into a table: detects the header and the occupation column.
fn table(mut rows: Vec<Vec<String>>) -> Table {
    rows.retain(|r| r.iter().any(|c| !c.trim().is_empty()));
    let Some(first) = rows.first() else {
        return Table::default();
    };
    let loose = first.len() > 1;
    let named = first.iter().position(|c| is_query_header(c, loose));
    let all_headers = first.iter().any(|c| !c.trim().is_empty()) && first.iter().all(|c| is_query_header(c, loose) || is_other_header(c));
    if named.is_some() || (all_headers && first.len() > 1) {
        let header = rows.remove(0);
        return Table { header: Some(header), query_column: named.unwrap_or(0), rows };
    }
    Table { header: None, query_column: 0, rows }
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// The delimiter a CSV uses: `,`, `;` (spreadsheets in Russian locales) or tab, from its first line.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.chars().filter(|&x| x == c).count();
    [(b',', count(',')), (b';', count(';')), (b'\t', count('\t'))].into_iter().max_by_key(|&(d, n)| (n, d == b',')).map_or(b',', |(d, _)| d)
}

/// Reads a list. `max_rows` bounds what is read (the caller says how many it answers).
pub fn read(bytes: &[u8], kind: Kind, max_rows: usize) -> Result<Table, FormatError> {
    let rows = match kind {
        Kind::Text => {
            let text = std::str::from_utf8(bytes).map_err(|_| FormatError::NotText)?;
            let rows: Vec<String> = strip_bom(text).lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
            if rows.len() > max_rows {
                return Err(FormatError::TooManyRows { max: max_rows });
            }
            // A text file is one occupation a line: no header.
            return Ok(Table::from_queries(rows));
        }
        Kind::Csv => {
            let text = std::str::from_utf8(bytes).map_err(|_| FormatError::NotText)?;
            let text = strip_bom(text);
            let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(sniff_delimiter(text)).from_reader(text.as_bytes());
            let mut rows = Vec::new();
            for rec in r.records() {
                let rec = rec.map_err(|_| FormatError::NotText)?;
                rows.push(rec.iter().map(|c| c.trim().to_string()).collect::<Vec<_>>());
                if rows.len() > max_rows.saturating_add(1) {
                    break;
                }
            }
            rows
        }
        Kind::Xlsx => read_xlsx(bytes, max_rows)?,
    };
    let t = table(rows);
    if t.rows.len() > max_rows {
        return Err(FormatError::TooManyRows { max: max_rows });
    }
    Ok(t)
}

fn read_xlsx(bytes: &[u8], max_rows: usize) -> Result<Vec<Vec<String>>, FormatError> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| FormatError::BadXlsx(e.to_string()))?;
    let range = wb.worksheet_range_at(0).ok_or(FormatError::NoWorksheet)?.map_err(|e| FormatError::BadXlsx(e.to_string()))?;
    let mut rows = Vec::new();
    for row in range.rows().take(max_rows.saturating_add(2)) {
        let mut cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Data::Empty => String::new(),
                Data::String(s) => s.trim().to_string(),
                other => other.to_string(),
            })
            .collect();
        while cells.last().is_some_and(|c| c.is_empty()) {
            cells.pop();
        }
        rows.push(cells);
    }
    Ok(rows)
}

/// OWASP's CSV-injection rule: a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return
/// would be run as a formula by a spreadsheet; a leading `'` makes it text.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Our cells for one verdict, in [`ANSWER_COLUMNS`] order.
pub fn answer_cells(v: &Verdict, catalog: &Catalog, lang: Lang) -> [String; 6] {
    let listed = (v.kind == VerdictKind::Listed).then(|| v.code.as_ref().and_then(|c| catalog.profession(c))).flatten();
    let candidates = if v.kind == VerdictKind::Listed {
        String::new()
    } else {
        v.candidates.iter().filter_map(|c| catalog.profession(&c.code)).map(|p| format!("{} ({})", p.name.get(lang), p.code)).collect::<Vec<_>>().join("; ")
    };
    [
        v.kind.as_str().to_string(),
        reply::verdict_word(v.kind, lang),
        listed.map_or(String::new(), |p| p.code.to_string()),
        listed.map_or(String::new(), |p| p.name.get(lang).to_string()),
        listed.map_or(String::new(), |p| reply::field_names(catalog, p, lang)),
        candidates,
    ]
}

/// The answer's rows, header first: the input's columns unchanged, then ours.
pub fn answer_rows(table: &Table, verdicts: &[Verdict], catalog: &Catalog, lang: Lang) -> Vec<Vec<String>> {
    let width = table.width();
    let mut header: Vec<String> = match &table.header {
        Some(h) => h.clone(),
        None => (0..width).map(|i| if i == table.query_column { "query".to_string() } else { format!("column_{}", i + 1) }).collect(),
    };
    header.resize(width, String::new());
    header.extend(ANSWER_COLUMNS.iter().map(|s| s.to_string()));
    let mut out = vec![header];
    for (row, v) in table.rows.iter().zip(verdicts) {
        let mut cells = row.clone();
        cells.resize(width, String::new());
        cells.extend(answer_cells(v, catalog, lang));
        out.push(cells);
    }
    out
}

/// Writes the answer file: `verdicts[i]` answers `table.rows[i]`.
pub fn write(table: &Table, verdicts: &[Verdict], catalog: &Catalog, lang: Lang, kind: Kind) -> Result<Vec<u8>, FormatError> {
    let rows = answer_rows(table, verdicts, catalog, lang);
    match kind.answer() {
        Kind::Xlsx => write_xlsx(&rows),
        _ => write_csv(&rows),
    }
}

/// CSV, comma-separated, every cell neutralised. No byte-order mark (see [`with_bom`]).
pub fn write_csv(rows: &[Vec<String>]) -> Result<Vec<u8>, FormatError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r.iter().map(|c| neutralise(c).into_owned())).map_err(|e| FormatError::Write(e.to_string()))?;
    }
    w.into_inner().map_err(|e| FormatError::Write(e.to_string()))
}

/// A UTF-8 byte-order mark in front of a CSV file, so spreadsheet programs read Cyrillic right
/// (files sent by the bot and the web API; the CLI prints without one).
pub fn with_bom(mut csv: Vec<u8>) -> Vec<u8> {
    csv.splice(0..0, "\u{feff}".bytes());
    csv
}

fn write_xlsx(rows: &[Vec<String>]) -> Result<Vec<u8>, FormatError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| FormatError::Write(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Kasip").map_err(err)?;
    let bold = Format::new().set_bold();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let text: Cow<str> =
                if cell.chars().count() > XLSX_CELL_CHARS { Cow::Owned(cell.chars().take(XLSX_CELL_CHARS).collect()) } else { Cow::Borrowed(cell) };
            // write_string: always a text cell, never a formula, whatever it starts with.
            if r == 0 {
                ws.write_string_with_format(r as u32, c as u16, text.as_ref(), &bold).map_err(err)?;
            } else {
                ws.write_string(r as u32, c as u16, text.as_ref()).map_err(err)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::Matcher;
    use std::sync::Arc;

    fn answer(input: &[u8], kind: Kind, lang: Lang) -> Vec<Vec<String>> {
        let c = Arc::new(Catalog::embedded().unwrap());
        let m = Matcher::new(c.clone());
        let t = read(input, kind, 1000).unwrap();
        let v: Vec<Verdict> = t.queries().map(|q| m.match_query(q)).collect();
        answer_rows(&t, &v, &c, lang)
    }

    fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new().has_headers(false).from_reader(bytes).records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
    }

    #[test]
    fn text_and_plain_csv_have_no_header() {
        let t = read(b"\xEF\xBB\xBFa\n\nb\r\n", Kind::Text, 10).unwrap();
        assert_eq!((t.header, t.rows), (None, vec![vec!["a".to_string()], vec!["b".to_string()]]));
        let t = read("\"x, y\",1\nz\n".as_bytes(), Kind::Csv, 10).unwrap();
        assert_eq!(t.queries().collect::<Vec<_>>(), ["x, y", "z"]);
        assert_eq!(read(&[0xff, 0xfe, 0x00], Kind::Text, 10), Err(FormatError::NotText));
    }

    #[test]
    fn a_header_is_detected_and_the_occupation_column_found() {
        let t = read("client;Профессия клиента;id\nИванов;нейрохирург;7\n".as_bytes(), Kind::Csv, 10).unwrap();
        assert_eq!(t.header.as_deref().map(|h| h.len()), Some(3));
        assert_eq!(t.query_column, 1);
        assert_eq!(t.queries().collect::<Vec<_>>(), ["нейрохирург"]);
        let t = read("ФИО,комментарий\nврач,x\n".as_bytes(), Kind::Csv, 10).unwrap();
        assert!(t.header.is_some() && t.query_column == 0, "only known header words: a header, occupation first");
        let t = read("кәсіп\nдәрігер\n".as_bytes(), Kind::Csv, 10).unwrap();
        assert_eq!(t.queries().collect::<Vec<_>>(), ["дәрігер"]);
        let t = read("нейрохирург,Иванов\n".as_bytes(), Kind::Csv, 10).unwrap();
        assert!(t.header.is_none());
    }

    #[test]
    fn other_columns_come_back_unchanged_and_only_listed_rows_carry_a_code() {
        let rows = answer("query,client\nнейрохирург,Иванов\nврач,Петров\n".as_bytes(), Kind::Csv, Lang::Ru);
        assert_eq!(rows[0], ["query", "client", "verdict", "verdict_text", "code", "name", "field", "candidates"]);
        assert_eq!(rows[1][..7], ["нейрохирург", "Иванов", "listed", "в перечне", "2217-4-001", "Врач-нейрохирург", "Здравоохранение"]);
        assert_eq!(rows[1][7], "");
        assert_eq!(rows[2][..7], ["врач", "Петров", "unsure", "уточнить", "", "", ""]);
        assert!(rows[2][7].contains("(2215-1-001)") && rows[2][7].contains("; "), "{}", rows[2][7]);
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        let evil = "=HYPERLINK(\"http://x\",\"y\")\n+1+2\n-2+3+cmd|' /C calc'!A0\n@SUM(1+1)\n\t=1\n";
        let rows = answer(evil.as_bytes(), Kind::Text, Lang::En);
        let bytes = write_csv(&rows).unwrap();
        let back = csv_rows(&bytes);
        assert_eq!(back.len(), 6);
        for cell in back.iter().flatten() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "live cell {cell:?}");
        }
        assert!(back[1][0].starts_with("'=HYPERLINK"));
        assert_eq!(neutralise("врач"), "врач");
    }

    #[test]
    fn xlsx_round_trips_with_the_extra_columns() {
        let book =
            write_xlsx(&[vec!["client".into(), "occupation".into()], vec!["Иванов".into(), "нейрохирург".into()], vec!["Ли".into(), "=1+1".into()]]).unwrap();
        let rows = answer(&book, Kind::Xlsx, Lang::En);
        assert_eq!(rows[0][..3], ["client", "occupation", "verdict"]);
        assert_eq!(rows[1][..5], ["Иванов", "нейрохирург", "listed", "on the list", "2217-4-001"]);
        assert_eq!(rows[2][1], "=1+1", "read back as text, not evaluated");
        assert!(matches!(read(b"not a zip", Kind::Xlsx, 10), Err(FormatError::BadXlsx(_))));
    }

    #[test]
    fn too_many_rows_is_an_error_not_a_truncation() {
        assert_eq!(read(b"a\nb\nc\n", Kind::Csv, 2), Err(FormatError::TooManyRows { max: 2 }));
    }

    #[test]
    fn kinds_from_names_and_media_types() {
        assert_eq!(Kind::detect("Clients.XLSX", None), Some(Kind::Xlsx));
        assert_eq!(Kind::detect("", Some("text/csv; charset=utf-8")), Some(Kind::Csv));
        assert_eq!(Kind::detect("list.txt", None), Some(Kind::Text));
        assert_eq!(Kind::detect("photo.jpg", Some("image/jpeg")), None);
        assert_eq!(Kind::Text.answer(), Kind::Csv);
    }
}
