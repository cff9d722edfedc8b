//! Failures of the server and the connection: 503s without the server's text or address,
//! and reads that recover by themselves.

use mysql_async::prelude::Queryable;
use serde_json::json;
use sluice_connector_conformance::values::get;
use sluice_connector_core::{Connector, ConnectorError, ReadRequest};
use sluice_connector_mysql::{MysqlConfig, MysqlConnector};

use crate::helpers::*;

#[tokio::test]
async fn a_server_that_cannot_be_reached_is_unavailable_without_its_address() {
    let mut config = MysqlConfig::new("127.0.0.1", "nothing", "root");
    // A port nothing listens on: the connection is refused at once.
    config.port = 1;
    let connector = MysqlConnector::new(&config).expect("connector");
    let error = connector.introspect().await.expect_err("no server");
    assert!(
        matches!(&error, ConnectorError::Unavailable(reason)
            if reason == "the database cannot be reached"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_refused_login_is_unavailable_without_the_servers_text() {
    let fixture = fixture().await;
    let mut config = fixture.config();
    config.username = "nobody_here".to_owned();
    config.password = Some("wrong".to_owned().into());
    let connector = MysqlConnector::new(&config).expect("connector");
    let error = connector.introspect().await.expect_err("refused");
    assert!(
        matches!(&error, ConnectorError::Unavailable(reason)
            if reason == "the database refused the login"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_read_on_a_connection_the_server_closed_runs_again_on_another() {
    let fixture = fixture().await;
    let request = || ReadRequest {
        fields: Some("id".into()),
        filter: Some("id = 3".into()),
        ..request()
    };
    let expected = json!({"resource": [{"id": 3}]});
    assert_eq!(
        get(&fixture.database, "employees", request())
            .await
            .expect("read"),
        expected
    );
    // Every session of the test database ends, as on a restart or an idle timeout; the
    // pool still holds the connection it used.
    let mut admin = fixture.admin_connection().await;
    let sessions: Vec<u64> = admin
        .exec(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()",
            (fixture.name(),),
        )
        .await
        .expect("sessions");
    assert!(!sessions.is_empty());
    for id in sessions {
        admin
            .query_drop(format!("KILL CONNECTION {id}"))
            .await
            .expect("killed");
    }
    assert_eq!(
        get(&fixture.database, "employees", request())
            .await
            .expect("read again"),
        expected
    );
}
