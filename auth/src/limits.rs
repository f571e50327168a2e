//! Attempt limits for every account flow, per account and per client, in
//! memory that does not grow with what clients send.
//!
//! A map keyed by the strings clients send grows with every new string, and
//! pruning it is a race an attacker wins. Here counts live in a fixed-size
//! count-min sketch (three rows of 2^16 counters under a per-process random
//! hash key), cleared when its window ends: memory is the same 384 KiB
//! whether it has seen ten keys or ten million. A sketch can only
//! over-count, so a collision makes a limit stricter for someone, never
//! looser for an attacker; and a client over its own budget is refused before
//! its account keys are counted, so one client cannot fill the sketch.
//!
//! Accounts are counted on the normalized email ([`domain::Email`]), so
//! `" Admin@X.io "` and `"admin@x.io"` share one budget.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::Email;

/// The account flows that are limited, each with its own budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    SignIn,
    SignUp,
    Confirm,
    Resend,
    Forgot,
    Reset,
}

impl Flow {
    /// (per account, per client) attempts in one window. Code re-issue flows
    /// are tight: every one sends an email.
    fn budgets(self) -> (u16, u16) {
        match self {
            Flow::SignIn => (10, 50),
            Flow::SignUp => (5, 20),
            Flow::Confirm => (10, 30),
            Flow::Resend => (3, 10),
            Flow::Forgot => (3, 10),
            Flow::Reset => (10, 30),
        }
    }

    fn tag(self) -> u8 {
        self as u8
    }
}

const ROWS: usize = 3;
const WIDTH_BITS: u32 = 16;
const WIDTH: usize = 1 << WIDTH_BITS;

struct Sketch {
    started: Instant,
    counts: Vec<u16>,
}

impl Sketch {
    fn cells(hasher: &RandomState, key: &[u8]) -> [usize; ROWS] {
        let h = hasher.hash_one(key);
        let mut out = [0; ROWS];
        for (row, cell) in out.iter_mut().enumerate() {
            let col = ((h >> (row as u32 * WIDTH_BITS)) as usize) & (WIDTH - 1);
            *cell = row * WIDTH + col;
        }
        out
    }

    fn get(&self, cells: &[usize; ROWS]) -> u16 {
        cells.iter().map(|&c| self.counts[c]).min().unwrap_or(0)
    }

    fn bump(&mut self, cells: &[usize; ROWS]) -> u16 {
        let next = self.get(cells).saturating_add(1);
        // Conservative update: raise only the cells below the new estimate,
        // which keeps over-counting from collisions as small as it can be.
        for &c in cells {
            if self.counts[c] < next {
                self.counts[c] = next;
            }
        }
        next
    }
}

/// Refused: the caller should wait for the window to pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited;

/// Fixed-window attempt counters for all flows.
pub struct Limits {
    window: Duration,
    scale: u16,
    hasher: RandomState,
    sketch: Mutex<Sketch>,
}

impl Limits {
    /// `scale` multiplies every budget (tests that sign in many times from
    /// one address use it; production uses 1).
    pub fn new(window: Duration, scale: u16) -> Self {
        Self {
            window,
            scale: scale.max(1),
            hasher: RandomState::new(),
            sketch: Mutex::new(Sketch {
                started: Instant::now(),
                counts: vec![0; ROWS * WIDTH],
            }),
        }
    }

    /// The memory the counters take, whatever they have seen.
    pub fn footprint_bytes(&self) -> usize {
        ROWS * WIDTH * std::mem::size_of::<u16>()
    }

    /// Counts one attempt at `flow` from `client` on `account` (if the input
    /// named a well-formed email); `Err` once either budget is spent.
    pub fn check(&self, flow: Flow, account: Option<&Email>, client: &str) -> Result<(), Limited> {
        self.check_at(flow, account, client, Instant::now())
    }

    pub fn check_at(
        &self,
        flow: Flow,
        account: Option<&Email>,
        client: &str,
        now: Instant,
    ) -> Result<(), Limited> {
        let (per_account, per_client) = flow.budgets();
        let client_cells = Sketch::cells(&self.hasher, &key(flow, b'c', client));
        let account_cells =
            account.map(|e| Sketch::cells(&self.hasher, &key(flow, b'a', e.as_str())));
        let mut s = self.sketch.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(s.started) >= self.window {
            s.counts.fill(0);
            s.started = now;
        }
        if s.get(&client_cells) >= per_client.saturating_mul(self.scale) {
            return Err(Limited);
        }
        s.bump(&client_cells);
        if let Some(cells) = account_cells {
            if s.bump(&cells) > per_account.saturating_mul(self.scale) {
                return Err(Limited);
            }
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(Duration::from_secs(15 * 60), 1)
    }
}

fn key(flow: Flow, scope: u8, value: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(value.len() + 2);
    k.push(flow.tag());
    k.push(scope);
    k.extend_from_slice(value.as_bytes());
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap()
    }

    #[test]
    fn counts_per_normalized_account_and_per_client_and_resets() {
        let l = Limits::new(Duration::from_secs(60), 1);
        let t0 = Instant::now();
        let a = email("a@x.io");
        for _ in 0..10 {
            assert!(l.check_at(Flow::SignIn, Some(&a), "1.1.1.1", t0).is_ok());
        }
        let padded = email("  A@X.io ");
        assert!(
            l.check_at(Flow::SignIn, Some(&padded), "2.2.2.2", t0)
                .is_err(),
            "11th try on one account, whatever its spelling"
        );
        assert!(
            l.check_at(Flow::Forgot, Some(&a), "2.2.2.2", t0).is_ok(),
            "flows have separate budgets"
        );
        assert!(l
            .check_at(
                Flow::SignIn,
                Some(&a),
                "3.3.3.3",
                t0 + Duration::from_secs(61)
            )
            .is_ok());
    }

    #[test]
    fn a_client_over_budget_is_refused_without_counting_accounts() {
        let l = Limits::new(Duration::from_secs(60), 1);
        let t0 = Instant::now();
        for i in 0..10 {
            let _ = l.check_at(
                Flow::Forgot,
                Some(&email(&format!("u{i}@x.io"))),
                "9.9.9.9",
                t0,
            );
        }
        let victim = email("victim@x.io");
        assert!(l
            .check_at(Flow::Forgot, Some(&victim), "9.9.9.9", t0)
            .is_err());
        for _ in 0..3 {
            assert!(
                l.check_at(Flow::Forgot, Some(&victim), "8.8.8.8", t0)
                    .is_ok(),
                "the refused client's attempts did not spend the victim's budget"
            );
        }
    }

    #[test]
    fn memory_is_fixed_whatever_is_sent() {
        let l = Limits::new(Duration::from_secs(60), 1);
        let before = l.footprint_bytes();
        let t0 = Instant::now();
        let huge = "x".repeat(100_000);
        for i in 0..2_000 {
            let _ = l.check_at(Flow::SignIn, None, &format!("{huge}{i}"), t0);
        }
        assert_eq!(l.footprint_bytes(), before);
        assert_eq!(l.sketch.lock().unwrap().counts.len(), ROWS * WIDTH);
    }
}
