//! Where counters live: in process on a single node, in Redis when `redis.url` is set.

use redis::RedisError;

use super::counter::{Allowance, CounterState};
use super::local_store::LocalCounters;
use super::redis_store::RedisCounters;

#[derive(Debug)]
pub enum CounterStore {
    Local(LocalCounters),
    Redis(RedisCounters),
}

impl CounterStore {
    /// Applies one request to the counters of `keys` (all of its limits at once) and returns
    /// them as saved.
    ///
    /// # Errors
    ///
    /// Redis cannot be reached in time (the in-process store cannot fail).
    pub async fn hit(
        &self,
        keys: &[&str],
        allowances: &[Allowance],
        now: i64,
    ) -> Result<Vec<CounterState>, RedisError> {
        match self {
            Self::Local(local) => Ok(local.hit(keys, allowances, now)),
            Self::Redis(redis) => redis.hit(keys, allowances, now).await,
        }
    }

    /// The counters of `keys` as they stand.
    ///
    /// # Errors
    ///
    /// As [`CounterStore::hit`].
    pub async fn read(&self, keys: &[String]) -> Result<Vec<CounterState>, RedisError> {
        match self {
            Self::Local(local) => Ok(local.read(keys)),
            Self::Redis(redis) => redis.read(keys).await,
        }
    }

    /// Forgets the counters of `keys`.
    ///
    /// # Errors
    ///
    /// As [`CounterStore::hit`].
    pub async fn reset(&self, keys: &[String]) -> Result<(), RedisError> {
        match self {
            Self::Local(local) => {
                local.reset(keys);
                Ok(())
            }
            Self::Redis(redis) => redis.reset(keys).await,
        }
    }

    /// Forgets every counter (in Redis: every counter under this node's key prefix).
    ///
    /// # Errors
    ///
    /// As [`CounterStore::hit`].
    pub async fn reset_all(&self) -> Result<(), RedisError> {
        match self {
            Self::Local(local) => {
                local.reset_all();
                Ok(())
            }
            Self::Redis(redis) => redis.reset_all().await,
        }
    }
}
