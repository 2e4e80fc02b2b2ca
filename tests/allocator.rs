//! The binaries' allocator is built with the options `.cargo/config.toml` gives it: a
//! build without them (the file lost, or a build from elsewhere) keeps one arena per
//! thread and holds more memory on a large module (BENCHMARKS.md, "One allocator arena").

#[cfg(not(target_env = "msvc"))]
#[test]
fn jemalloc_is_built_with_one_arena() {
    let built = tikv_jemalloc_ctl::config::malloc_conf::read().expect("jemalloc's config");
    // The crate reads the C string with its terminating NUL.
    assert_eq!(
        built.trim_end_matches('\0'),
        "narenas:1,dirty_decay_ms:100",
        "JEMALLOC_SYS_WITH_MALLOC_CONF from .cargo/config.toml"
    );
    assert_eq!(
        tikv_jemalloc_ctl::opt::narenas::read().expect("opt.narenas"),
        1
    );
}
