//! Builds the HTTP server. `Application::build` binds the listener itself so `port()` is the
//! real port when the configured one is 0.

use std::net::TcpListener;
use std::sync::Arc;

use actix_http::HttpService;
use actix_http::error::DispatchError;
use actix_service::{ServiceFactoryExt, map_config};
use actix_web::dev::{AppConfig, Server, fn_service};
use actix_web::middleware::{ErrorHandlers, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, web};
use anyhow::Context;

use crate::changes::NodeChanges;
use crate::middleware::{HeadLimits, envelope_errors, request_span, verb_tunnelling};
use crate::routes;
use crate::settings::Settings;
use crate::state::AppState;
use crate::wire_errors::EnvelopedErrors;

pub struct Application {
    host: String,
    port: u16,
    server: Server,
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
        let server_settings = state.settings.server.clone();
        let address = format!("{}:{}", server_settings.host, server_settings.port);
        let listener =
            TcpListener::bind(&address).with_context(|| format!("cannot listen on {address}"))?;
        let local_addr = listener.local_addr()?;
        let port = local_addr.port();
        let state = web::Data::from(state);
        let body_limit = server_settings.max_body_bytes;
        let workers = match server_settings.workers {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let limits = HeadLimits {
            max_uri_bytes: server_settings.max_uri_bytes,
            max_header_bytes: server_settings.max_header_bytes,
        };
        let app = move || {
            // actix runs the last `.wrap()` first, so this list reads inside-out: logically
            // request span and id (echoed as x-request-id), head limits and the headers of
            // every response -> error envelope -> trailing-slash normalisation -> verb
            // tunnelling -> routing. CORS, authentication and rate limiting join here in
            // later issues.
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .configure(routes::configure)
                .wrap(from_fn(verb_tunnelling))
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                .wrap(ErrorHandlers::new().default_handler(envelope_errors))
                .wrap(from_fn(move |request, next| {
                    request_span(request, next, limits)
                }))
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
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
