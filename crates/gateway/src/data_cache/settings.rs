//! The `[data_cache]` section (config/default.toml), loaded with the rest of
//! [`Settings`](crate::Settings).

use serde::Deserialize;

use crate::settings::SettingsError;

/// Largest `data_cache.max_mib`: a cap in MiB that still fits moka's byte count many times.
const MAX_MIB: u64 = 1 << 20;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataCacheSettings {
    /// The memory all cached `_table` responses of this node may take together, in MiB.
    /// 0: nothing is cached, whatever the services say.
    pub max_mib: u64,
}

impl DataCacheSettings {
    /// The cap in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_mib.saturating_mul(1024 * 1024)
    }

    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        if self.max_mib > MAX_MIB {
            return Err(SettingsError(format!(
                "data_cache.max_mib must be at most {MAX_MIB} (MiB); 0 turns the data cache off"
            )));
        }
        Ok(())
    }
}
