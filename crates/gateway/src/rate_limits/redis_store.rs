//! The counters shared by every node, in Redis: one Lua script checks and counts all of a
//! request's limits atomically, with the same steps as `counter::apply`, in one round trip
//! (EVALSHA; the script is loaded once, and again if Redis lost it). Each counter is a hash
//! `{a: attempts, w: window end, l: locked until}` under `{prefix}limit:{key}`; the node's
//! clock is passed in, so every node counts by its own (tests move it), and Redis TTLs only
//! collect counters that hold nothing any more.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use redis::{ErrorKind, RedisError, ServerErrorKind};

use super::counter::{Allowance, CounterState};
use super::leases::Leases;
use crate::shared_redis::SharedRedis;

/// KEYS: the counters. ARGV: now, then rate, period (ms) and the requests wanted ahead (a
/// lease, `leases.rs`; 1 = this request only) per counter. Returns the saved counters and
/// the requests granted, four integers each. Granting a lease of one is exactly
/// `counter::apply`.
const CHECK_SCRIPT: &str = r"
local now = tonumber(ARGV[1])
local n = #KEYS
local a, w, l = {}, {}, {}
local refused = false
for i = 1, n do
  local v = redis.call('HMGET', KEYS[i], 'a', 'w', 'l')
  a[i] = tonumber(v[1]) or 0
  w[i] = tonumber(v[2]) or 0
  l[i] = tonumber(v[3]) or 0
  if w[i] <= now then a[i] = 0; w[i] = 0 end
  if l[i] > now or a[i] >= tonumber(ARGV[3 * i - 1]) then refused = true end
end
local out = {}
for i = 1, n do
  local rate = tonumber(ARGV[3 * i - 1])
  local period = tonumber(ARGV[3 * i])
  local granted = 0
  local changed = false
  if refused then
    if l[i] <= now and a[i] >= rate then
      l[i] = now + period; a[i] = 0; w[i] = 0; changed = true
    end
  else
    if a[i] == 0 then w[i] = now + period end
    granted = math.min(tonumber(ARGV[3 * i + 1]), rate - a[i])
    a[i] = a[i] + granted; changed = true
  end
  if changed then
    redis.call('HSET', KEYS[i], 'a', a[i], 'w', w[i], 'l', l[i])
    local keep = math.max(w[i], l[i]) - now
    redis.call('PEXPIRE', KEYS[i], keep + 1000)
  end
  out[4 * i - 3] = a[i]; out[4 * i - 2] = w[i]; out[4 * i - 1] = l[i]; out[4 * i] = granted
end
return out
";

/// KEYS: the counters. Returns them as stored, three integers each (0 for a missing field).
const READ_SCRIPT: &str = r"
local out = {}
for i = 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'a', 'w', 'l')
  out[3 * i - 2] = tonumber(v[1]) or 0
  out[3 * i - 1] = tonumber(v[2]) or 0
  out[3 * i] = tonumber(v[3]) or 0
end
return out
";

pub struct RedisCounters {
    redis: Arc<SharedRedis>,
    prefix: String,
    timeout: Duration,
    /// The SHA1 of the loaded script, once loaded.
    script_sha: Mutex<Option<String>>,
    /// Requests granted ahead and not yet served.
    leases: Leases,
}

impl std::fmt::Debug for RedisCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCounters")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisCounters {
    pub fn new(redis: Arc<SharedRedis>, prefix: &str, timeout: Duration) -> Self {
        Self {
            redis,
            prefix: format!("{prefix}limit:"),
            timeout,
            script_sha: Mutex::new(None),
            leases: Leases::default(),
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Applies one request to the counters of `keys` and returns them as this node sees
    /// them: from a lease this node holds for every key when it has one, else from Redis.
    ///
    /// # Errors
    ///
    /// Redis cannot be reached in time or fails the script.
    pub async fn hit(
        &self,
        keys: &[&str],
        allowances: &[Allowance],
        now: i64,
    ) -> Result<Vec<CounterState>, RedisError> {
        if let Some(states) = self.leases.take(keys, now) {
            return Ok(states);
        }
        let wanted = self.leases.wanted(keys, allowances);
        let sha = match self.loaded_sha() {
            Some(sha) => sha,
            None => self.load_script().await?,
        };
        let (saved, granted) = match self.evalsha(&sha, keys, allowances, &wanted, now).await {
            Err(error) if error.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
                let sha = self.load_script().await?;
                self.evalsha(&sha, keys, allowances, &wanted, now).await
            }
            answer => answer,
        }?;
        Ok(self.leases.keep(keys, &saved, &granted))
    }

    /// Forgets the requests this node holds ahead (the limits changed).
    pub fn forget_leases(&self) {
        self.leases.forget_all();
    }

    /// The counters as saved, and the requests granted for each.
    async fn evalsha(
        &self,
        sha: &str,
        keys: &[&str],
        allowances: &[Allowance],
        wanted: &[i64],
        now: i64,
    ) -> Result<(Vec<CounterState>, Vec<i64>), RedisError> {
        let mut command = redis::cmd("EVALSHA");
        command.arg(sha).arg(keys.len());
        for key in keys {
            command.arg(self.key(key));
        }
        command.arg(now);
        for (allowance, wanted) in allowances.iter().zip(wanted) {
            command
                .arg(allowance.rate)
                .arg(allowance.period_ms)
                .arg(*wanted);
        }
        let values: Vec<i64> = self.redis.query(&command, self.timeout).await?;
        let saved = values.chunks_exact(4).map(|v| state_of(&v[..3])).collect();
        let granted = values.chunks_exact(4).map(|v| v[3]).collect();
        Ok((saved, granted))
    }

    fn loaded_sha(&self) -> Option<String> {
        self.script_sha
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn load_script(&self) -> Result<String, RedisError> {
        let mut command = redis::cmd("SCRIPT");
        command.arg("LOAD").arg(CHECK_SCRIPT);
        let sha: String = self.redis.query(&command, self.timeout).await?;
        *self
            .script_sha
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(sha.clone());
        Ok(sha)
    }

    /// The counters of `keys` as they stand, in one round trip (an administrator's read:
    /// the script is sent along rather than kept loaded).
    ///
    /// # Errors
    ///
    /// Redis cannot be reached in time.
    pub async fn read(&self, keys: &[String]) -> Result<Vec<CounterState>, RedisError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut command = redis::cmd("EVAL");
        command.arg(READ_SCRIPT).arg(keys.len());
        for key in keys {
            command.arg(self.key(key));
        }
        let values: Vec<i64> = self.redis.query(&command, self.timeout).await?;
        Ok(states_of(&values))
    }

    /// Forgets the counters of `keys`.
    ///
    /// # Errors
    ///
    /// Redis cannot be reached in time.
    pub async fn reset(&self, keys: &[String]) -> Result<(), RedisError> {
        self.leases.forget(keys);
        if keys.is_empty() {
            return Ok(());
        }
        let mut command = redis::cmd("DEL");
        for key in keys {
            command.arg(self.key(key));
        }
        self.redis.query::<i64>(&command, self.timeout).await?;
        Ok(())
    }

    /// Forgets every counter under this node's prefix.
    ///
    /// # Errors
    ///
    /// Redis cannot be reached in time.
    pub async fn reset_all(&self) -> Result<(), RedisError> {
        self.leases.forget_all();
        let pattern = format!("{}*", escape_glob(&self.prefix));
        let mut cursor = 0_u64;
        loop {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500);
            let (next, keys): (u64, Vec<String>) = self.redis.query(&scan, self.timeout).await?;
            if !keys.is_empty() {
                let mut delete = redis::cmd("DEL");
                delete.arg(keys);
                self.redis.query::<i64>(&delete, self.timeout).await?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }
}

/// The counters of a script's answer: three integers each.
fn states_of(values: &[i64]) -> Vec<CounterState> {
    values.chunks_exact(3).map(state_of).collect()
}

/// One counter of a script's answer: attempts, window end, locked until.
fn state_of(values: &[i64]) -> CounterState {
    CounterState {
        attempts: values[0],
        window_ends: values[1],
        locked_until: values[2],
    }
}

/// `text` matched literally by a Redis glob pattern.
fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::rate_limits::local_store::LocalCounters;

    /// The script and `counter::apply` (through the in-process store) agree on random
    /// sequences of requests, over limits of several rates and periods, with time moving in
    /// steps around the periods' lengths, against the machine's Redis
    /// (`SLUICE_TEST_REDIS_URL`, by default the loopback one that `.ci/run` starts).
    #[tokio::test]
    async fn the_script_counts_exactly_as_the_in_process_store() {
        let url = std::env::var("SLUICE_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let redis = Arc::new(SharedRedis::new(&url).expect("redis url"));
        let prefix = format!(
            "sluice_parity_{}_{}:",
            std::process::id(),
            crate::clock::now().timestamp_micros()
        );
        let remote = RedisCounters::new(redis, &prefix, Duration::from_secs(5));
        let local = LocalCounters::default();
        let limits = [
            (
                "a",
                Allowance {
                    rate: 1,
                    period_ms: 1_000,
                },
            ),
            (
                "b",
                Allowance {
                    rate: 3,
                    period_ms: 5_000,
                },
            ),
            (
                "c",
                Allowance {
                    rate: 5,
                    period_ms: 60_000,
                },
            ),
        ];
        let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_205);
        let mut now: i64 = 1_700_000_000_000;
        for step in 0..400 {
            now += rng.gen_range(0..2_500);
            let chosen: Vec<_> = limits.iter().filter(|_| rng.gen_bool(0.6)).collect();
            if chosen.is_empty() {
                continue;
            }
            let keys: Vec<&str> = chosen.iter().map(|(key, _)| *key).collect();
            let allowances: Vec<Allowance> = chosen.iter().map(|(_, a)| *a).collect();
            let expected = local.hit(&keys, &allowances, now);
            let got = remote.hit(&keys, &allowances, now).await.expect("script");
            assert_eq!(got, expected, "step {step} at {now} with {keys:?}");
        }
        let all: Vec<String> = limits.iter().map(|(key, _)| (*key).to_string()).collect();
        assert_eq!(remote.read(&all).await.expect("read"), local.read(&all));
        remote.reset_all().await.expect("cleaned up");
        let left = remote.read(&["a".to_string()]).await.expect("read");
        assert_eq!(left, [CounterState::default()]);
    }
}
