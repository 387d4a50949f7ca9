//! Bank-alert classification and extraction throughput on the mixed set of sample mails
//! (purchases, payments, transfers, one-time codes, marketing, spoofs, forgeries, personal
//! mail), one core.
//!
//! Then how long each mail built to hurt a parser takes to be refused (a bank sender, so the
//! whole message is screened).
//!
//! Run: `cargo bench -p server --bench alerts`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use server::alerts::fixtures::hostile::{BANK_HEADER, bombs};
use server::alerts::{Outcome, classify, fixtures};

fn bench(c: &mut Criterion) {
    let mails = fixtures::ALL;
    let mut group = c.benchmark_group("alerts");
    group.throughput(Throughput::Elements(mails.len() as u64));
    group.bench_function("classify mixed fixtures", |b| {
        b.iter(|| {
            for f in mails {
                black_box(classify(black_box(f.raw)));
            }
        })
    });
    // For the notes: the share of the time spent in MIME parsing alone.
    group.bench_function("mail-parser only", |b| {
        b.iter(|| {
            for f in mails {
                black_box(mail_parser::MessageParser::default().parse(black_box(f.raw)));
            }
        })
    });
    group.finish();
}

/// A plain timed loop, for a messages-per-second figure that needs no reading of criterion's
/// output.
fn messages_per_second() {
    let mails = fixtures::ALL;
    let mut transactions = 0;
    for f in mails {
        if let Outcome::Transactions(list) = classify(f.raw) {
            transactions += list.len();
        }
    }
    let bytes: usize = mails.iter().map(|f| f.raw.len()).sum();
    let started = Instant::now();
    let mut count = 0_u64;
    while started.elapsed() < Duration::from_secs(3) {
        for f in mails {
            black_box(classify(black_box(f.raw)));
        }
        count += mails.len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "alerts: {} sample mails ({} KiB, {transactions} transactions): {count} classified in \
         {secs:.2} s on one core = {:.0} messages/s per core ({:.1} µs each)",
        mails.len(),
        bytes / 1024,
        count as f64 / secs,
        secs * 1e6 / count as f64,
    );
}

/// The slowest of five refusals of each bomb.
fn bombs_refused() {
    for (what, raw, _) in bombs(BANK_HEADER) {
        let mut slowest = Duration::ZERO;
        for _ in 0..5 {
            let started = Instant::now();
            let outcome = classify(black_box(&raw));
            slowest = slowest.max(started.elapsed());
            assert!(
                matches!(outcome, Outcome::Refused(_)),
                "{what}: {outcome:?}"
            );
        }
        println!(
            "bombs: {what} ({} KiB) refused in {:.2} ms at most",
            raw.len() / 1024,
            slowest.as_secs_f64() * 1e3
        );
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
    messages_per_second();
    bombs_refused();
}
