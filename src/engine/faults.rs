//! Fault injection, deterministic from a seed: server errors (5xx), 429 with Retry-After,
//! delays, malformed bodies and dropped connections.
//!
//! [`FaultConfig`] says how often; [`FaultInjector`] draws the `n`-th call's fate from a
//! splitmix64 of (seed, n), so a seed gives the same sequence of faults in every process and
//! the counts do not depend on timing. [`FaultyEngine`] wraps any [`Engine`] in process; the
//! server (`reprise serve`) draws from the same injector per request. A request that names
//! its case (`X-Reprise-Case`) draws from a sequence of its own, keyed by the case, the method
//! and the path ([`FaultInjector::next_for`]): concurrent cases interleave their requests in
//! any order, and each request still meets the same fault under the same seed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::{forward_run_calls, Engine, EngineError, EngineFuture, Reply, StartRequest};

/// How often each fault happens. Rates are probabilities per call in `[0, 1]`; the error,
/// rate-limit, malformed and drop rates are exclusive (their sum is at most 1); a delay may
/// come on top of any of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// The PRNG seed.
    pub seed: u64,
    /// Share of calls answered with a 5xx.
    pub error_rate: f64,
    /// Share of calls answered with 429.
    pub rate_limit_rate: f64,
    /// The Retry-After of a 429, in milliseconds (sent in whole seconds, rounded up).
    pub retry_after_ms: u64,
    /// Share of calls answered with a malformed body.
    pub malformed_rate: f64,
    /// Share of calls whose connection is dropped.
    pub drop_rate: f64,
    /// Share of calls delayed by `delay_ms`.
    pub delay_rate: f64,
    /// The injected delay.
    pub delay_ms: u64,
}

impl FaultConfig {
    /// True when no fault can happen.
    pub fn is_off(&self) -> bool {
        self.error_rate <= 0.0
            && self.rate_limit_rate <= 0.0
            && self.malformed_rate <= 0.0
            && self.drop_rate <= 0.0
            && (self.delay_rate <= 0.0 || self.delay_ms == 0)
    }

    /// Checks the rates; the message names the bad one.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error rate", self.error_rate),
            ("rate-limit rate", self.rate_limit_rate),
            ("malformed rate", self.malformed_rate),
            ("drop rate", self.drop_rate),
            ("delay rate", self.delay_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} {rate} is not between 0 and 1"));
            }
        }
        let sum = self.error_rate + self.rate_limit_rate + self.malformed_rate + self.drop_rate;
        if sum > 1.0 + 1e-9 {
            return Err(format!(
                "error, rate-limit, malformed and drop rates add up to {sum}, more than 1"
            ));
        }
        Ok(())
    }
}

/// What happens to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answered normally.
    None,
    /// A 5xx answer with this status.
    ServerError(u16),
    /// 429 with Retry-After.
    RateLimited {
        /// Milliseconds.
        retry_after_ms: u64,
    },
    /// A body that is not the documented JSON.
    Malformed,
    /// The connection drops before the answer is complete.
    Drop,
}

/// One call's fate: a fault and a delay before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// The fault.
    pub fault: Fault,
    /// Delay before answering (0 = none).
    pub delay_ms: u64,
}

/// splitmix64: a tiny, well-mixed PRNG step (Steele, Lea, Flood 2014).
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform draw in `[0, 1)`.
fn unit(z: u64) -> f64 {
    (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Draws each call's fate, in call order.
#[derive(Debug)]
pub struct FaultInjector {
    config: FaultConfig,
    calls: AtomicU64,
    /// Calls so far per request key (see [`FaultInjector::next_for`]).
    keyed: Mutex<HashMap<u64, u64>>,
}

impl FaultInjector {
    /// An injector starting at call 0.
    pub fn new(config: FaultConfig) -> FaultInjector {
        FaultInjector {
            config,
            calls: AtomicU64::new(0),
            keyed: Mutex::new(HashMap::new()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FaultConfig {
        &self.config
    }

    /// The next call's fate.
    pub fn next(&self) -> Decision {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        self.decide(n)
    }

    /// The fate of the next call with this `key` (the case, method and path of a request): the
    /// k-th such call meets the fate of the k-th draw of a sequence of the key's own, whatever
    /// other calls came between.
    pub fn next_for(&self, key: &str) -> Decision {
        // FNV-1a: stable across processes and Rust versions (std's hasher is not).
        let hash = key.bytes().fold(0xCBF2_9CE4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
        });
        let k = {
            let mut keyed = self.keyed.lock().unwrap_or_else(PoisonError::into_inner);
            let count = keyed.entry(hash).or_insert(0);
            *count += 1;
            *count - 1
        };
        self.decide(splitmix64(hash ^ k))
    }

    /// The fate of call `n` (0-based): a pure function of the seed and `n`.
    pub fn decide(&self, n: u64) -> Decision {
        let c = &self.config;
        if c.is_off() {
            return Decision {
                fault: Fault::None,
                delay_ms: 0,
            };
        }
        let base = splitmix64(c.seed ^ n.wrapping_mul(0xD1B5_4A32_D192_ED03));
        let kind = unit(splitmix64(base));
        let delay = unit(splitmix64(base ^ 0x5DEE_CE66_D1CE_4E5B));
        // Cumulative thresholds: one draw picks at most one of the exclusive faults.
        let t_error = c.error_rate;
        let t_limit = t_error + c.rate_limit_rate;
        let t_malformed = t_limit + c.malformed_rate;
        let t_drop = t_malformed + c.drop_rate;
        let fault = if kind < t_error {
            // Spread over the 5xx statuses a gateway gives.
            Fault::ServerError([500, 502, 503][(base % 3) as usize])
        } else if kind < t_limit {
            Fault::RateLimited {
                retry_after_ms: c.retry_after_ms,
            }
        } else if kind < t_malformed {
            Fault::Malformed
        } else if kind < t_drop {
            Fault::Drop
        } else {
            Fault::None
        };
        let delay_ms = if delay < c.delay_rate { c.delay_ms } else { 0 };
        Decision { fault, delay_ms }
    }
}

/// Any engine, with faults injected before each call (in process).
#[derive(Debug)]
pub struct FaultyEngine<E> {
    inner: E,
    injector: Arc<FaultInjector>,
}

impl<E: Engine> FaultyEngine<E> {
    /// Wraps `inner`.
    pub fn new(inner: E, config: FaultConfig) -> FaultyEngine<E> {
        FaultyEngine {
            inner,
            injector: Arc::new(FaultInjector::new(config)),
        }
    }

    /// The wrapped engine.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// The wrapped engine, whatever the run (for [`forward_run_calls`]).
    fn inner_of(&self, _run_id: &str) -> &E {
        &self.inner
    }

    /// Makes `call` (only once the gate lets it through) behind the next decision.
    fn gated<'a, T: 'a>(
        &'a self,
        call: impl FnOnce() -> EngineFuture<'a, T> + Send + 'a,
    ) -> EngineFuture<'a, T> {
        Box::pin(async move {
            self.gate().await?;
            call().await
        })
    }

    /// Applies the next decision: waits, then fails or lets the call through.
    async fn gate(&self) -> Result<(), EngineError> {
        let d = self.injector.next();
        if d.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(d.delay_ms)).await;
        }
        match d.fault {
            Fault::None => Ok(()),
            Fault::ServerError(status) => Err(EngineError::Server {
                status,
                message: "injected server error".into(),
                retry_after_ms: None,
            }),
            Fault::RateLimited { retry_after_ms } => Err(EngineError::RateLimited {
                retry_after_ms: Some(retry_after_ms),
            }),
            Fault::Malformed => Err(EngineError::Malformed("injected malformed body".into())),
            Fault::Drop => Err(EngineError::Transport("injected dropped connection".into())),
        }
    }
}

impl<E: Engine> Engine for FaultyEngine<E> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn goes_live(&self, case_run_id: &str) -> bool {
        self.inner.goes_live(case_run_id)
    }

    fn start<'a>(&'a self, request: &'a StartRequest) -> EngineFuture<'a, Reply> {
        self.gated(move || self.inner.start(request))
    }

    forward_run_calls!(inner_of, gated);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> FaultConfig {
        FaultConfig {
            seed: 42,
            error_rate: 0.10,
            rate_limit_rate: 0.05,
            retry_after_ms: 1500,
            malformed_rate: 0.02,
            drop_rate: 0.03,
            delay_rate: 0.2,
            delay_ms: 7,
        }
    }

    #[test]
    fn rates_show_up_within_tolerance() {
        let inj = FaultInjector::new(config());
        let n = 100_000;
        let (mut err, mut rl, mut mal, mut drop, mut delay) = (0, 0, 0, 0, 0);
        let mut statuses = std::collections::BTreeSet::new();
        for _ in 0..n {
            let d = inj.next();
            match d.fault {
                Fault::ServerError(s) => {
                    err += 1;
                    statuses.insert(s);
                }
                Fault::RateLimited { retry_after_ms } => {
                    assert_eq!(retry_after_ms, 1500);
                    rl += 1
                }
                Fault::Malformed => mal += 1,
                Fault::Drop => drop += 1,
                Fault::None => {}
            }
            if d.delay_ms > 0 {
                assert_eq!(d.delay_ms, 7);
                delay += 1;
            }
        }
        let share = |k: i32| k as f64 / n as f64;
        // 100,000 draws: the standard error of a 10 % rate is ~0.1 %; allow 0.5 %.
        for (got, want) in [
            (share(err), 0.10),
            (share(rl), 0.05),
            (share(mal), 0.02),
            (share(drop), 0.03),
            (share(delay), 0.2),
        ] {
            assert!((got - want).abs() < 0.005, "got {got}, want {want}");
        }
        assert_eq!(
            statuses.into_iter().collect::<Vec<_>>(),
            vec![500, 502, 503]
        );
    }

    #[test]
    fn same_seed_same_faults_other_seed_other_faults() {
        let a: Vec<_> = (0..1000)
            .map(|n| FaultInjector::new(config()).decide(n))
            .collect();
        let b: Vec<_> = (0..1000)
            .map(|n| FaultInjector::new(config()).decide(n))
            .collect();
        assert_eq!(a, b);
        let other = FaultInjector::new(FaultConfig {
            seed: 43,
            ..config()
        });
        let c: Vec<_> = (0..1000).map(|n| other.decide(n)).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn a_keyed_request_meets_the_same_fault_however_requests_interleave() {
        let keys = ["c1 POST /runs", "c2 POST /runs", "c1 GET /runs/r1"];
        // Forty calls per key, once key by key and once interleaved round-robin.
        let serial = FaultInjector::new(config());
        let mut a: Vec<Vec<Decision>> = Vec::new();
        for key in keys {
            a.push((0..40).map(|_| serial.next_for(key)).collect());
        }
        let mixed = FaultInjector::new(config());
        let mut b: Vec<Vec<Decision>> = vec![Vec::new(); keys.len()];
        for _ in 0..40 {
            for (i, key) in keys.iter().enumerate().rev() {
                b[i].push(mixed.next_for(key));
            }
        }
        assert_eq!(a, b);
        // Keys draw sequences of their own, and faults do happen in them.
        assert_ne!(a[0], a[1]);
        assert!(a.iter().flatten().any(|d| d.fault != Fault::None));
    }

    #[test]
    fn off_means_never_and_bad_rates_are_refused() {
        let inj = FaultInjector::new(FaultConfig::default());
        assert!((0..1000).all(|n| inj.decide(n)
            == Decision {
                fault: Fault::None,
                delay_ms: 0
            }));
        assert!(FaultConfig {
            error_rate: 1.5,
            ..FaultConfig::default()
        }
        .validate()
        .unwrap_err()
        .contains("error rate"));
        assert!(FaultConfig {
            error_rate: 0.6,
            drop_rate: 0.6,
            ..FaultConfig::default()
        }
        .validate()
        .is_err());
        assert!(config().validate().is_ok());
    }
}
