//! Work spread over a few threads (file creation waits on the file system).

use rayon::prelude::*;

/// `f` over `items` on a pool of `threads` threads (more than the cores: the threads wait
/// on the file system), results in the items' order. Without a pool (the system refuses
/// threads) the items are mapped on the calling thread.
pub(super) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    match rayon::ThreadPoolBuilder::new()
        .num_threads(threads.clamp(1, items.len().max(1)))
        .thread_name(|i| format!("tfstack-synth-{i}"))
        .build()
    {
        Ok(pool) => pool.install(|| items.par_iter().map(&f).collect()),
        Err(_) => items.iter().map(f).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::parallel_map;

    #[test]
    fn results_keep_the_items_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = parallel_map(&items, 4, |i| i * 2);
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(parallel_map(&[] as &[u32], 4, |i| *i), Vec::<u32>::new());
    }
}
