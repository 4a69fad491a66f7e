//! Generated strings for the property tests that hold a fast path to the plain rule.

/// `count` strings, each of fewer than `max_pieces` pieces drawn from `pieces`, from an
/// xorshift generator seeded with `seed`: the same strings on every run, so a failure names
/// a string that fails again.
pub fn generated(
    seed: u64,
    count: usize,
    max_pieces: u64,
    pieces: &'static [&'static str],
) -> impl Iterator<Item = String> {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count).map(move |_| {
        let len = next() % max_pieces;
        (0..len)
            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
            .collect()
    })
}
