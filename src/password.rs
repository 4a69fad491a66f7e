//! Moderator passwords: argon2id hashing and verification (CPU-heavy: call off the async workers).

use std::cell::RefCell;
use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHasher, Version};

/// Shortest password `moderator add` accepts; below this argon2 cannot save a guessable secret.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes `password` with argon2id and OWASP's default parameters and a fresh random salt.
///
/// # Errors
/// A message when the password is too short or hashing fails.
pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters long"
        ));
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| format!("could not hash the password: {e}"))
}

thread_local! {
    /// The thread's argon2 working memory (19 MiB with the default parameters), kept
    /// between checks. Letting argon2 allocate its own each time left glibc holding a new
    /// 19 MiB block after most checks: 100 junk logins took the service past 256 MB.
    static ARENA: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// True if and only if `password` matches the stored PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let expected: &[u8] = expected.as_ref();
    let mut out = [0u8; 64];
    let Some(out) = out.get_mut(..expected.len()) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let hashed = ARENA.with(|arena| {
        let mut arena = arena.borrow_mut();
        arena.resize(blocks, Block::new());
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt.as_ref(), out, &mut arena[..])
            .is_ok()
    });
    // Compared in time independent of where the bytes differ.
    hashed
        && out
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Spends the same time as a real verification, for names that have no account, so the
/// response time does not tell an attacker which moderator names exist.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("replyguard-dummy-password").unwrap_or_default());
    let _ = verify_password(password, hash);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a phc string"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(hash_password("short").is_err());
    }
}
