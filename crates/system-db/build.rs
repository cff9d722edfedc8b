//! `sqlx::migrate!` embeds the migration files at compile time, but a proc macro cannot ask
//! cargo to watch a directory; without this, adding a migration would not rebuild the crate.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations/sqlite");
    println!("cargo:rerun-if-changed=../../migrations/postgres");
}
