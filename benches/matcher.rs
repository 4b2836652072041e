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
    // The figure is the median per query: criterion's mean over all queries is pulled up
    // by the longest sentences, so each query is also timed on its own (the median of 41 runs)
    // and the distribution printed — over this set and, when the shared evaluation set sits
    // beside the checkout, over ../shared/eval/realistic.tsv.
    per_query("tests/labelled.tsv realistic section", &matcher, &realistic);
    if let Ok(text) = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/eval/realistic.tsv")) {
        let qs: Vec<&str> = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).filter_map(|l| l.split('\t').nth(1)).collect();
        per_query("../shared/eval/realistic.tsv", &matcher, &qs);
    }
    c.bench_function("load_and_index", |b| b.iter(|| Matcher::new(Arc::new(Catalog::embedded().unwrap()))));
    // The build alone: the old index is dropped outside the timing (`iter_with_large_drop`).
    c.bench_function("index_only", |b| b.iter_with_large_drop(|| Matcher::new(black_box(catalog.clone()))));
}

/// Prints the median, 90th percentile and mean of per-query times (each query's own time is the
/// median of 41 runs after a warm-up).
fn per_query(name: &str, matcher: &Matcher, queries: &[&str]) {
    let mut times: Vec<f64> = queries
        .iter()
        .map(|q| {
            for _ in 0..5 {
                black_box(matcher.match_query(black_box(q)));
            }
            let mut runs: Vec<f64> = (0..41)
                .map(|_| {
                    let t = std::time::Instant::now();
                    black_box(matcher.match_query(black_box(q)));
                    t.elapsed().as_secs_f64() * 1e6
                })
                .collect();
            runs.sort_by(f64::total_cmp);
            runs[runs.len() / 2]
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "per query over {name} ({} queries): median {:.1} µs, p90 {:.1} µs, mean {:.1} µs",
        times.len(),
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        mean
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
