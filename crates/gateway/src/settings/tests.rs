use super::*;

#[test]
fn defaults_come_from_the_embedded_file() {
    let settings = load_for_test(&[], Overrides::default()).unwrap();
    assert_eq!(settings.server.port, 8080);
    assert_eq!(settings.auth.jwt_ttl_minutes, 1440);
    assert_eq!(settings.auth.refresh_ttl_minutes, 20160);
    assert_eq!(settings.auth.password_min_length, 16);
    assert_eq!(settings.auth.login_failures_per_minute, 10);
    assert_eq!(settings.auth.login_failures_per_ip_per_minute, 50);
    let sqlite = settings.sqlite_options();
    let defaults = SqliteOptions::default();
    assert_eq!(sqlite.busy_timeout, defaults.busy_timeout);
    assert_eq!(sqlite.statement_timeout, defaults.statement_timeout);
    assert_eq!(sqlite.acquire_timeout, defaults.acquire_timeout);
    assert_eq!(sqlite.memory_limit_bytes, defaults.memory_limit_bytes);
    assert_eq!(
        settings.sqlite_roots(),
        vec![PathBuf::from("/tmp/sluice-test")]
    );
    assert_eq!(
        settings.system_db_url(),
        "sqlite:///tmp/sluice-test/system.sqlite"
    );
}

#[test]
fn environment_variables_override_and_flags_win() {
    let env = [
        ("SLUICE__SERVER__PORT", "9000"),
        ("SLUICE__STORAGE__SQLITE_ROOTS", "/a,/b"),
    ];
    let settings = load_for_test(&env, Overrides::default()).unwrap();
    assert_eq!(settings.server.port, 9000);
    assert_eq!(
        settings.sqlite_roots(),
        vec![PathBuf::from("/a"), PathBuf::from("/b")]
    );
    let flags = Overrides {
        port: Some(7000),
        ..Overrides::default()
    };
    assert_eq!(load_for_test(&env, flags).unwrap().server.port, 7000);
}

#[test]
fn bad_values_fail_with_a_message_that_says_what_to_fix() {
    let error =
        load_for_test(&[("SLUICE__SERVER__PORT", "eighty")], Overrides::default()).unwrap_err();
    assert!(
        error.to_string().contains("SLUICE__SECTION__KEY"),
        "{error}"
    );
    let error = load_for_test(
        &[("SLUICE__AUTH__JWT_TTL_MINUTES", "0")],
        Overrides::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("jwt_ttl_minutes"), "{error}");
    let error = load_for_test(
        &[("SLUICE__AUTH__LOGIN_FAILURES_PER_MINUTE", "0")],
        Overrides::default(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("login_failures_per_minute"),
        "{error}"
    );
    let error = load_for_test(
        &[("SLUICE__SERVER__MAX_URI_BYTES", "100000")],
        Overrides::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("max_uri_bytes"), "{error}");
    let error = load_for_test(
        &[("SLUICE__LOG__ACCESS_BUFFER_MS", "10001")],
        Overrides::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("access_buffer_ms"), "{error}");
    let error = load_for_test(
        &[("SLUICE__CHANGE_FEED__POLL_INTERVAL_MS", "10")],
        Overrides::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("poll_interval_ms"), "{error}");
    let error = load_for_test(
        &[
            ("SLUICE__CHANGE_FEED__POLL_INTERVAL_MS", "5000"),
            ("SLUICE__CHANGE_FEED__MAX_STALE_SECONDS", "9"),
        ],
        Overrides::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("max_stale_seconds"), "{error}");
    let error =
        load_for_test(&[("SLUICE__LIMITS__IDS_MAX", "0")], Overrides::default()).unwrap_err();
    assert!(error.to_string().contains("[limits]"), "{error}");
    let error = load_for_test(
        &[("SLUICE__SQLITE__STATEMENT_TIMEOUT_MS", "0")],
        Overrides::default(),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("statement_timeout_ms"),
        "{error}"
    );
}

#[test]
fn sqlite_timeouts_come_from_the_sqlite_section() {
    let env = [
        ("SLUICE__SQLITE__BUSY_TIMEOUT_MS", "0"),
        ("SLUICE__SQLITE__STATEMENT_TIMEOUT_MS", "250"),
        ("SLUICE__SQLITE__ACQUIRE_TIMEOUT_MS", "75"),
    ];
    let options = load_for_test(&env, Overrides::default())
        .unwrap()
        .sqlite_options();
    assert_eq!(options.busy_timeout, Duration::ZERO);
    assert_eq!(options.statement_timeout, Duration::from_millis(250));
    assert_eq!(options.acquire_timeout, Duration::from_millis(75));
}

#[test]
fn read_connections_follow_the_workers_unless_set() {
    let read_connections = |env: &[(&str, &str)], workers: usize| {
        let flags = Overrides {
            workers: Some(workers),
            ..Overrides::default()
        };
        load_for_test(env, flags).map(|settings| settings.sqlite_options().pool_size)
    };
    assert_eq!(read_connections(&[], 6).unwrap(), 6);
    assert_eq!(read_connections(&[], 2).unwrap(), 4);
    let three = [("SLUICE__SQLITE__READ_CONNECTIONS", "3")];
    assert_eq!(read_connections(&three, 8).unwrap(), 3);
    let too_many = [("SLUICE__SQLITE__READ_CONNECTIONS", "257")];
    let error = read_connections(&too_many, 2).unwrap_err().to_string();
    assert!(error.contains("sqlite.read_connections"), "{error}");
}

#[test]
fn storage_roots_must_be_existing_directories() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let missing = dir.path().join("missing");
    let roots = |roots: &[&Path]| {
        let joined: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        let joined = joined.join(",");
        let env = [("SLUICE__STORAGE__SQLITE_ROOTS", joined.as_str())];
        load_for_test(&env, Overrides::default())
            .unwrap()
            .check_sqlite_roots()
    };
    assert!(roots(&[dir.path()]).is_ok());
    assert!(
        load_for_test(&[], Overrides::default())
            .unwrap()
            .check_sqlite_roots()
            .is_ok()
    );
    let error = roots(&[dir.path(), &missing]).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "invalid configuration: the storage root {} does not exist; create the \
             directory, or remove it from storage.sqlite_roots (in the config file or \
             SLUICE__STORAGE__SQLITE_ROOTS)",
            missing.display()
        )
    );
    let error = roots(&[&file]).unwrap_err().to_string();
    assert!(error.contains("is not a directory"), "{error}");
}

#[test]
fn a_missing_config_file_is_reported() {
    let error = Settings::load(
        Some(Path::new("/nonexistent/sluice.toml")),
        Path::new("/tmp"),
        Vec::new(),
        &Overrides::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("--config"));
}

#[test]
fn a_secrets_key_must_be_64_hex_digits_and_destinations_must_parse() {
    let key = "ab".repeat(32);
    let settings = load_for_test(&[("SLUICE__AUTH__SECRETS_KEY", &key)], Overrides::default())
        .expect("a 64-digit key");
    assert_eq!(settings.auth.secrets_key.expose_secret(), key);
    let error = load_for_test(
        &[("SLUICE__AUTH__SECRETS_KEY", "abc")],
        Overrides::default(),
    )
    .expect_err("too short");
    assert!(
        error.0.contains("auth.secrets_key must be 64 hex digits"),
        "{error}"
    );

    let env = [(
        "SLUICE__OUTBOUND__ALLOWED_DESTINATIONS",
        "db.internal,10.0.0.0/8",
    )];
    let settings = load_for_test(&env, Overrides::default()).expect("a host and a network");
    assert_eq!(
        settings.outbound.allowed_destinations,
        ["db.internal", "10.0.0.0/8"]
    );
    let env = [("SLUICE__OUTBOUND__ALLOWED_DESTINATIONS", "10.0.0.0/99")];
    let error = load_for_test(&env, Overrides::default()).expect_err("not a network");
    assert!(error.0.contains("'10.0.0.0/99'"), "{error}");
}
