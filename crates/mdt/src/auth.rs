//! Users, passwords and sessions. Passwords are hashed with Argon2id (a fresh salt each);
//! a session is a random token in a cookie, of which the database keeps only a SHA-256
//! hash, with its own CSRF token for the forms; failed sign-ins are rate limited per
//! username.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::rand_core::RngCore;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

use crate::access::{Actor, Role};
use crate::{MdtError, Result, Store, now_text};

/// How long a session lasts from sign-in.
pub const SESSION_HOURS: i64 = 8;
/// The shortest password a user may be given.
pub const MIN_PASSWORD: usize = 12;

/// An Argon2id hash of a password, in PHC string form.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| MdtError::Password(e.to_string()))
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// 32 random bytes as hex, from the operating system's generator.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Failed sign-ins per username in a sliding window.
pub struct RateLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
    limit: usize,
    window: Duration,
}

impl Default for RateLimiter {
    /// Five failures in fifteen minutes.
    fn default() -> RateLimiter {
        RateLimiter::new(5, Duration::from_secs(15 * 60))
    }
}

impl RateLimiter {
    /// At most `limit` failures per username in any `window`.
    pub fn new(limit: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            failures: Mutex::new(HashMap::new()),
            limit,
            window,
        }
    }

    /// Seconds to wait before `username` may try again, if it must wait.
    fn wait(&self, username: &str) -> Option<u64> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let times = failures.entry(username.to_string()).or_default();
        times.retain(|t| now.duration_since(*t) < self.window);
        if times.len() < self.limit {
            return None;
        }
        let oldest = times.iter().min().copied().unwrap_or(now);
        Some((self.window - now.duration_since(oldest)).as_secs().max(1))
    }

    fn failed(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures
            .entry(username.to_string())
            .or_default()
            .push(Instant::now());
    }

    fn succeeded(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        failures.remove(username);
    }
}

/// A new session: the token for the cookie and the CSRF token for its forms.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session token, for the cookie (only its hash is stored).
    pub token: String,
    /// The CSRF token, for the session's forms.
    pub csrf: String,
}

/// Checks the password and opens a session.
pub async fn sign_in(
    store: &Store,
    limiter: &RateLimiter,
    username: &str,
    password: &str,
) -> Result<Session> {
    let username = username.trim().to_lowercase();
    if let Some(retry_after_s) = limiter.wait(&username) {
        return Err(MdtError::RateLimited { retry_after_s });
    }
    let found: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM app_user WHERE username = $1 AND active = 1")
            .bind(username.clone())
            .fetch_optional(store.pool())
            .await?;
    // Hash even for an unknown user, so that the time taken does not say which users exist.
    let (user_id, ok) = match found {
        Some((id, hash)) => (id, verify_password(&hash, password)),
        None => {
            let _ = verify_password(UNKNOWN_USER_HASH, password);
            (0, false)
        }
    };
    if !ok {
        limiter.failed(&username);
        return Err(MdtError::BadCredentials);
    }
    limiter.succeeded(&username);
    let session = Session {
        token: random_token(),
        csrf: random_token(),
    };
    let now = chrono::Utc::now();
    let expires = now + chrono::Duration::hours(SESSION_HOURS);
    sqlx::query(
        "INSERT INTO user_session (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&session.token))
    .bind(user_id)
    .bind(session.csrf.clone())
    .bind(now_text())
    .bind(expires.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    .execute(store.pool())
    .await?;
    Ok(session)
}

// An Argon2id hash of a random password nobody knows, checked against for unknown users.
const UNKNOWN_USER_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Lk9S4G0wz6m1v0oZ9PmrHn3ZUXrj3N7kD2wwYzB1QWs";

/// The signed-in user of a session token and the session's CSRF token; `None` if the
/// session is unknown or has expired.
pub async fn session_user(
    store: &Store,
    token: &str,
    request: String,
) -> Result<Option<(Actor, String)>> {
    let row: Option<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.username, u.display_name, u.role, s.csrf_token, s.expires_at
         FROM user_session s JOIN app_user u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND u.active = 1",
    )
    .bind(token_hash(token))
    .fetch_optional(store.pool())
    .await?;
    let Some((user_id, username, display_name, role, csrf_token, expires)) = row else {
        return Ok(None);
    };
    if expires <= now_text() {
        sign_out(store, token).await?;
        return Ok(None);
    }
    let role = Role::parse(&role)
        .ok_or_else(|| MdtError::NotFound(format!("user {user_id} has an unknown role {role}")))?;
    let networks = sqlx::query_scalar(
        "SELECT network_id FROM network_member WHERE user_id = $1 ORDER BY network_id",
    )
    .bind(user_id)
    .fetch_all(store.pool())
    .await?;
    Ok(Some((
        Actor {
            user_id,
            username,
            display_name,
            role,
            networks,
            request,
        },
        csrf_token,
    )))
}

/// Ends the session whose cookie holds `token`.
pub async fn sign_out(store: &Store, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM user_session WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(store.pool())
        .await?;
    Ok(())
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The name they will sign in with (stored in lower case).
    pub username: String,
    /// The name colleagues know them by.
    pub display_name: String,
    /// What they may do.
    pub role: Role,
    /// The code of the organisation employing them.
    pub organisation_code: String,
    /// Their first password, in the clear (only its hash is stored).
    pub password: String,
    /// The codes of the networks they belong to.
    pub network_codes: Vec<String>,
}

/// Creates a user with their networks; returns their id.
pub async fn create_user(store: &Store, user: &NewUser) -> Result<i64> {
    let hash = user_password_hash(&user.password)?;
    let mut tx = store.begin().await?;
    let id = insert_user(&mut tx, user, &hash).await?;
    tx.commit().await?;
    Ok(id)
}

/// Checks the password policy and hashes it.
pub fn user_password_hash(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(MdtError::Invalid(crate::FieldErrors::single(
            "password",
            format!("a password needs at least {MIN_PASSWORD} characters"),
        )));
    }
    hash_password(password)
}

pub(crate) async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    user: &NewUser,
    password_hash: &str,
) -> Result<i64> {
    let organisation: Option<i64> =
        sqlx::query_scalar("SELECT id FROM organisation WHERE code = $1")
            .bind(user.organisation_code.clone())
            .fetch_optional(&mut *conn)
            .await?;
    let organisation = organisation
        .ok_or_else(|| MdtError::NotFound(format!("no organisation {}", user.organisation_code)))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO app_user (username, display_name, role, organisation_id, password_hash, active) VALUES ($1, $2, $3, $4, $5, 1) RETURNING id",
    )
    .bind(user.username.trim().to_lowercase())
    .bind(user.display_name.clone())
    .bind(user.role.code())
    .bind(organisation)
    .bind(password_hash.to_string())
    .fetch_one(&mut *conn)
    .await?;
    for code in &user.network_codes {
        let network: Option<i64> = sqlx::query_scalar("SELECT id FROM network WHERE code = $1")
            .bind(code.clone())
            .fetch_optional(&mut *conn)
            .await?;
        let network = network.ok_or_else(|| MdtError::NotFound(format!("no network {code}")))?;
        sqlx::query("INSERT INTO network_member (network_id, user_id) VALUES ($1, $2)")
            .bind(network)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
        assert!(!verify_password("not a hash", "x"));
        assert!(PasswordHash::new(UNKNOWN_USER_HASH).is_ok());
    }

    #[test]
    fn the_limiter_blocks_after_the_limit_and_forgets_on_success() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.wait("a").is_none());
        limiter.failed("a");
        limiter.failed("a");
        assert!(limiter.wait("a").is_some());
        assert!(limiter.wait("b").is_none());
        limiter.succeeded("a");
        assert!(limiter.wait("a").is_none());
    }

    #[test]
    fn tokens_compare_whole() {
        let t = random_token();
        assert_eq!(t.len(), 64);
        assert!(tokens_match(&t, &t.clone()));
        assert!(!tokens_match(&t, &random_token()));
        assert!(!tokens_match("ab", "abc"));
    }
}
