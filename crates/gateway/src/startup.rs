//! Builds the HTTP server. `Application::build` binds the listener itself so `port()` is the
//! real port when the configured one is 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_service::ServiceFactory;
use actix_service::{ServiceFactoryExt, map_config};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServiceRequest, ServiceResponse, fn_service};
use actix_web::middleware::{ErrorHandlers, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::changes::NodeChanges;
use crate::clock::Clock;
use crate::middleware::{HeadLimits, envelope_errors, request_span, verb_tunnelling};
use crate::routes;
use crate::settings::Settings;
use crate::state::AppState;
use crate::wire_errors::EnvelopedErrors;

pub struct Application {
    host: String,
    port: u16,
    server: Server,
    /// The listener of its own for `/metrics` (`metrics.bind`), with its port.
    metrics_server: Option<(u16, Server)>,
    clock: Arc<Clock>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let state = AppState::init(settings).await?;
        Self::serve(state).await
    }

    /// Attaches the state to the change feed and starts serving it.
    pub async fn serve(state: AppState) -> anyhow::Result<Self> {
        let state = Arc::new(state);
        NodeChanges::attach(&state).await?;
        let clock = Arc::clone(&state.clock);
        let server_settings = state.settings.server.clone();
        let address = format!("{}:{}", server_settings.host, server_settings.port);
        let listener =
            TcpListener::bind(&address).with_context(|| format!("cannot listen on {address}"))?;
        let local_addr = listener.local_addr()?;
        let port = local_addr.port();
        let state = web::Data::from(state);
        let workers = server_settings.worker_threads();
        let metrics_server = match state.settings.metrics.separate_address() {
            Some(address) => Some(metrics_listener(address, state.clone())?),
            None => None,
        };
        let app = {
            let state = state.clone();
            move || build_app(state.clone())
        };
        // actix-web's `HttpServer` with its defaults, spelled out so that each connection is
        // wrapped in `EnvelopedErrors` (DreamFactory's envelope on the codec's own errors,
        // docs/HTTP-ERRORS.md).
        let builder = Server::build();
        let shutdown = builder.graceful_shutdown_signal();
        let server = builder
            .workers(workers)
            .listen("sluice", listener, move || {
                let shutdown = shutdown.clone();
                let service = HttpService::build()
                    // Closes idle keep-alive connections when the server stops.
                    .graceful_shutdown_signal(move || {
                        let shutdown = shutdown.clone();
                        async move { shutdown.notified().await }
                    })
                    .client_disconnect_timeout(std::time::Duration::from_secs(1))
                    .local_addr(local_addr)
                    .h1(map_config(app(), |_| AppConfig::default()));
                fn_service(|stream: actix_web::rt::net::TcpStream| async move {
                    let peer = stream.peer_addr().ok();
                    Ok::<_, DispatchError>((EnvelopedErrors::new(stream), peer))
                })
                .and_then(service)
            })?
            .run();
        Ok(Self {
            host: server_settings.host,
            port,
            server,
            metrics_server,
            clock,
        })
    }

    /// The clock this server's rate limits and data cache go by, for tests to move.
    pub fn clock(&self) -> Arc<Clock> {
        Arc::clone(&self.clock)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the listener of its own for `/metrics`, when `metrics.bind` set one.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(port, _)| *port)
    }

    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// Serves until stopped (a signal): the main listener and, when there is one, the
    /// metrics listener, polled together (a server only runs while polled). The metrics
    /// listener leaves signals to the main one and stops once it has.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Some((_, metrics)) = self.metrics_server else {
            return self.server.await;
        };
        let metrics_handle = metrics.handle();
        let main = async {
            let served = self.server.await;
            metrics_handle.stop(true).await;
            served
        };
        let (served, metrics_served) = futures::future::join(main, metrics).await;
        served.and(metrics_served)
    }
}

/// The gateway's app: the one every HTTP worker serves, and the one a script's
/// `platform.api` calls reach in process (`scripts::platform`).
pub(crate) fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let server_settings = &state.settings.server;
    let body_limit = server_settings.max_body_bytes;
    let limits = HeadLimits {
        max_uri_bytes: server_settings.max_uri_bytes,
        max_header_bytes: server_settings.max_header_bytes,
    };
    let metrics_on_main = state.settings.metrics.on_main_listener();
    // actix runs the last `.wrap()` first, so this list reads inside-out: logically
    // request span and id (echoed as x-request-id), head limits and the headers of
    // every response -> plain one-record reads, answered directly (`routes::db::direct`) ->
    // CORS (preflights never reach authentication, and error
    // envelopes get the CORS headers too) -> error envelope -> trailing-slash
    // normalisation (the span notes a trailing slash first: the file API tells folders by
    // it) -> verb tunnelling -> the rate-limit headers -> routing (authentication,
    // authorisation and the rate-limit check are in the handlers' extractors and
    // `auth::access`).
    App::new()
        .app_data(state)
        .app_data(web::PayloadConfig::new(body_limit))
        .configure(routes::configure)
        .configure(|cfg| {
            if metrics_on_main {
                routes::metrics::configure(cfg);
            }
        })
        .wrap(from_fn(crate::rate_limits::rate_limit_headers))
        .wrap(from_fn(verb_tunnelling))
        .wrap(NormalizePath::new(TrailingSlash::Trim))
        .wrap(ErrorHandlers::new().default_handler(envelope_errors))
        .wrap(from_fn(crate::cors::cors))
        .wrap(from_fn(routes::db::direct::record_reads))
        .wrap(from_fn(move |request, next| {
            request_span(request, next, limits)
        }))
}

/// A listener serving only `GET /metrics` (404 in DreamFactory's envelope for anything
/// else), on one worker: a scrape every few seconds needs no more. Requests to it are
/// neither counted nor logged, so scrapes do not show up in what they measure.
fn metrics_listener(address: &str, state: web::Data<AppState>) -> anyhow::Result<(u16, Server)> {
    let listener = TcpListener::bind(address)
        .with_context(|| format!("cannot listen on {address} (metrics.bind)"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(routes::metrics::configure)
            .wrap(ErrorHandlers::new().default_handler(envelope_errors))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok((port, server))
}
