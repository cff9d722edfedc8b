//! Everything requests share, built once at start and registered as `web::Data`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use secrecy::ExposeSecret;
use sluice_system_db::SystemDb;

use crate::auth::directory::AccessDirectory;
use crate::auth::throttle::LoginThrottle;
use crate::auth::tokens::TokenService;
use crate::auth::users::UserCache;
use crate::clock::{self, Clock};
use crate::cors::CorsPolicy;
use crate::data_cache::DataCache;
use crate::default_apps::ensure_default_apps;
use crate::metrics::Metrics;
use crate::rate_limits::RateLimiter;
use crate::registry::ServiceRegistry;
use crate::scripts::Scripts;
use crate::secrets::SecretBox;
use crate::service_types::build_entry;
use crate::service_types::user::ensure_user_service;
use crate::settings::Settings;
use crate::shared_redis::SharedRedis;
use crate::write_gate::WriteGate;

pub struct AppState {
    pub settings: Settings,
    pub db: SystemDb,
    /// The system database file when it is SQLite: never usable as a service database.
    pub system_db_file: Option<PathBuf>,
    pub tokens: TokenService,
    pub users: UserCache,
    /// Apps, roles, per-app user roles and lookups.
    pub access: AccessDirectory,
    /// The CORS rules.
    pub cors: CorsPolicy,
    pub services: ServiceRegistry,
    /// Failed logins per account and client address.
    pub login_throttle: LoginThrottle,
    /// This machine's host name, reported in session objects as DreamFactory does.
    pub host_name: String,
    /// Turns for record writes, taken before their bodies are parsed.
    pub write_gate: WriteGate,
    /// What `/metrics` reports.
    pub metrics: Metrics,
    /// The Redis shared by several nodes, when `redis.url` is set.
    pub redis: Option<Arc<SharedRedis>>,
    /// The active rate limits and their counters.
    pub rate_limits: RateLimiter,
    /// What rate limits and the data cache go by (tests move it).
    pub clock: Arc<Clock>,
    /// Cached `_table` reads of the services with `cache_enabled`.
    pub data_cache: DataCache,
    /// Seals and opens the services' stored passwords.
    pub secrets: SecretBox,
    /// The script engine and the active event scripts.
    pub scripts: Scripts,
}

impl AppState {
    /// Connects and migrates the system database, loads the revocation set and the services.
    pub async fn init(settings: Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                settings.data_dir.display()
            )
        })?;
        let db = open_system_db(&settings).await?;
        let secret = jwt_secret(&settings)?;
        let tokens = TokenService::new(
            secret.as_bytes(),
            settings.auth.jwt_ttl_minutes,
            settings.auth.refresh_ttl_minutes,
        );
        // Whatever is loaded from here on is at least as recent as this version; what changes
        // later reaches the caches through the feed (`changes.rs`).
        db.start_changes().await?;
        let now = clock::now_unix();
        db.revocations().prune(now).await?;
        for (jti, until) in db.revocations().active(now).await? {
            tokens.remember_revoked(jti, until, now);
        }
        let system_db_file = db.is_sqlite_file();
        let secrets = SecretBox::load(&settings)?;
        ensure_user_service(&db)
            .await
            .context("cannot create the built-in 'user' service")?;
        ensure_default_apps(&db, &settings.dreamfactory)
            .await
            .context("cannot create the default apps")?;
        settings.prepare_file_roots()?;
        crate::files::seed::seed_file_services(&db, &settings)
            .await
            .context("cannot create the 'files' and 'logs' services")?;
        let services = ServiceRegistry::default();
        for row in db.services().list().await? {
            let entry = build_entry(row, &settings, system_db_file.as_deref(), &secrets).await;
            services.insert(entry);
        }
        let login_throttle = LoginThrottle::new(
            settings.auth.login_failures_per_minute,
            settings.auth.login_failures_per_ip_per_minute,
        );
        let write_gate = WriteGate::new(
            settings.server.worker_threads(),
            Duration::from_millis(settings.sqlite.acquire_timeout_ms),
        );
        // The parser's error may quote the URL, password included.
        let redis = (settings.redis.url().map(SharedRedis::new).transpose())
            .map_err(|_| anyhow::anyhow!("redis.url is not a Redis URL"))?
            .map(Arc::new);
        let rate_limits = RateLimiter::new(&settings.rate_limits, redis.clone());
        let clock = Arc::<Clock>::default();
        let data_cache = DataCache::new(&settings.data_cache, Arc::clone(&clock));
        let scripts = Scripts::new(&settings);
        scripts.directory.reload(&db).await?;
        Ok(Self {
            settings,
            db,
            system_db_file,
            tokens,
            users: UserCache::default(),
            access: AccessDirectory::default(),
            cors: CorsPolicy::default(),
            services,
            login_throttle,
            host_name: host_name(),
            write_gate,
            metrics: Metrics::default(),
            redis,
            rate_limits,
            clock,
            data_cache,
            secrets,
            scripts,
        })
    }
}

impl AppState {
    /// How long ago this node last confirmed that it has applied every change of the system
    /// database.
    pub fn staleness(&self) -> Duration {
        let synced_at = self.db.changes_synced_at_ms();
        let now = chrono::Utc::now().timestamp_millis();
        Duration::from_millis(u64::try_from(now - synced_at).unwrap_or(0))
    }

    /// Past `change_feed.max_stale_seconds` of [`AppState::staleness`]: API requests answer
    /// 503 (the system database is unreachable).
    pub fn is_stale(&self) -> bool {
        self.staleness() > Duration::from_secs(self.settings.change_feed.max_stale_seconds)
    }
}

pub async fn open_system_db(settings: &Settings) -> anyhow::Result<SystemDb> {
    Ok(migrate_system_db(settings).await?.0)
}

/// Opens and migrates the system database; also returns the migrations this applied.
pub async fn migrate_system_db(settings: &Settings) -> anyhow::Result<(SystemDb, Vec<String>)> {
    let db = SystemDb::connect(&settings.system_db_url())
        .await
        .context("cannot open the system database; check system_db.url")?;
    let applied = db
        .migrate()
        .await
        .context("cannot migrate the system database")?;
    Ok((db, applied))
}

/// `auth.jwt_secret`, or a random secret generated once and kept in the data directory
/// (readable by the owner only), so tokens survive restarts.
fn jwt_secret(settings: &Settings) -> anyhow::Result<String> {
    let configured = settings.auth.jwt_secret.expose_secret();
    if !configured.is_empty() {
        return Ok(configured.to_string());
    }
    let path = settings.data_dir.join("jwt_secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_string();
        if existing.len() >= 32 {
            return Ok(existing);
        }
    }
    let secret: String = hex::encode(rand::thread_rng().r#gen::<[u8; 32]>());
    write_private(&path, &secret)
        .with_context(|| format!("cannot write the JWT secret to {}", path.display()))?;
    Ok(secret)
}

pub(crate) fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}
