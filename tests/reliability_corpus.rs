//! Every input kept in fuzz/corpus/<target>/ run through the fuzz target's body as a normal
//! test: the fuzzers' findings stay fixed on machines without libFuzzer, and a crash input
//! added to the corpus after its fix becomes a regression test by itself.

#[path = "../fuzz/src/lib.rs"]
mod targets;

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "{} is empty", dir.display());
    for path in entries {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(
            outcome.is_ok(),
            "fuzz target {target} fails on {} ({:?})",
            path.display(),
            String::from_utf8_lossy(&data)
        );
    }
}

#[test]
fn config() {
    replay("config", targets::config);
}

#[test]
fn mode() {
    replay("mode", targets::mode);
}

#[test]
fn units() {
    replay("units", targets::units);
}

#[test]
fn plan() {
    replay("plan", targets::plan);
}
