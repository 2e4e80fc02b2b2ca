//! The fuzzer itself works: it finds its seeds, mutates, runs every target through the
//! pipeline and reports no panic on a short run. (CI runs 60 s of it: `.ci/run`.)

use std::time::Duration;
use tfstack_fuzz::{corpus, mutate, run, Rng, Settings, Target};

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_target_has_seeds() {
    let seeds = corpus(
        &[root().join("tests/fixtures"), root().join("out")],
        1 << 20,
    );
    for target in Target::ALL {
        assert!(
            seeds.iter().any(|(t, _)| *t == target),
            "no seed for {}",
            target.name()
        );
    }
}

#[test]
fn mutations_put_wide_characters_across_4_kib_boundaries() {
    let mut rng = Rng::new(7);
    let mut straddled = 0;
    for _ in 0..2000 {
        let mut input = b"{\"a\": \"b\"}".to_vec();
        mutate(&mut rng, &mut input, b"other");
        // A boundary inside a multi-byte character: byte 4096 is a continuation byte.
        if input.get(4096).is_some_and(|b| b & 0xC0 == 0x80) {
            straddled += 1;
        }
    }
    assert!(straddled > 10, "{straddled}");
}

#[test]
fn a_short_run_finds_no_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings {
        seconds: 120,
        inputs: Some(240),
        targets: Target::ALL.to_vec(),
        seed: 11,
        jobs: 2,
        watchdog: Duration::from_secs(60),
        max_rss: 4 << 30,
        out: dir.path().to_path_buf(),
        corpus: corpus(
            &[root().join("tests/fixtures"), root().join("out")],
            1 << 20,
        ),
    };
    let outcome = run(&settings).expect("runs");
    assert!(outcome.inputs >= 240, "{}", outcome.inputs);
    assert!(
        outcome.per_target.iter().all(|(_, n)| *n > 0),
        "{:?}",
        outcome.per_target
    );
    assert!(outcome.panics.is_empty(), "{:?}", outcome.panics);
}
