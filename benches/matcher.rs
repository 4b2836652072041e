//! Criterion benchmarks: one query end to end, and loading the list plus building the index.
//! Run with `cargo bench`; figures are reported in the README.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use kasip::{Catalog, Matcher};
use std::sync::Arc;

fn bench(c: &mut Criterion) {
    let catalog = Arc::new(Catalog::embedded().unwrap());
    let matcher = Matcher::new(catalog.clone());
    let mut g = c.benchmark_group("match_query");
    for (name, q) in [
        ("official_name", "Врач-нейрохирург"),
        ("inflected_sentence", "я работаю программистом приложений"),
        ("typo", "гематалог"),
        ("wrong_layout", "ghjuhfvvbcn ghbkj;tybq"),
        ("english", "senior backend developer"),
        ("not_listed", "стоматолог"),
        ("code", "3521 3 003"),
    ] {
        g.bench_function(name, |b| b.iter(|| matcher.match_query(black_box(q))));
    }
    g.finish();
    // Realistic phrasing: the CV titles, chat sentences and requests of tests/labelled.tsv's
    // realistic section, all of them per iteration; criterion reports queries per second, so the
    // time per query is one over that (README).
    let labelled = include_str!("../tests/labelled.tsv");
    let realistic: Vec<&str> = labelled
        .lines()
        .skip_while(|l| !l.starts_with("# --- Realistic phrasing"))
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    assert!(realistic.len() >= 100, "the realistic section of tests/labelled.tsv went missing");
    let mut g = c.benchmark_group("realistic");
    g.throughput(Throughput::Elements(realistic.len() as u64));
    g.bench_function("all_queries", |b| {
        b.iter(|| {
            for q in &realistic {
                black_box(matcher.match_query(black_box(q)));
            }
        })
    });
    g.finish();
    c.bench_function("load_and_index", |b| b.iter(|| Matcher::new(Arc::new(Catalog::embedded().unwrap()))));
    c.bench_function("index_only", |b| b.iter(|| Matcher::new(black_box(catalog.clone()))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
