//! Direct access to a test server's system database, for what the HTTP API cannot (yet) do:
//! users with imported bcrypt hashes, and users before `/system/user` exists on this branch.

use sluice_gateway::auth::password::hash_password;
use sluice_system_db::{NewUser, SystemDb};

use crate::{TestApp, settings_for};

impl TestApp {
    /// This server's system database, opened a second time (SQLite in WAL mode allows it).
    /// Close it when done so the test's temp dir can be removed cleanly.
    pub async fn system_db(&self) -> SystemDb {
        let settings = settings_for(self.data_dir.path(), Vec::new());
        sluice_gateway::state::open_system_db(&settings)
            .await
            .expect("system db")
    }

    /// Inserts a user row as given (hashes included) and returns its id.
    pub async fn insert_user_row(&self, user: NewUser) -> i64 {
        let db = self.system_db().await;
        let id = db.users().insert(&user).await.expect("insert user").id;
        db.close().await;
        id
    }

    /// Inserts an active non-admin user whose password is hashed as the gateway hashes it.
    pub async fn insert_user_directly(&self, email: &str, password: &str, name: &str) -> i64 {
        let hash = hash_password(password.to_string()).await.expect("hash");
        self.insert_user_row(NewUser {
            name: name.to_string(),
            email: email.to_string(),
            password_hash: Some(hash),
            is_active: true,
            ..NewUser::default()
        })
        .await
    }

    /// The stored password hash of `email` (to check upgrades), if any.
    pub async fn stored_password_hash(&self, email: &str) -> Option<String> {
        let db = self.system_db().await;
        let user = db.users().find_by_email(email).await.expect("find user");
        db.close().await;
        user.and_then(|u| u.password_hash)
    }
}
