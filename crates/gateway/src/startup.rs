//! Builds the HTTP server. `Application::build` binds the listener itself so `port()` is the
//! real port when the configured one is 0.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::{ErrorHandlers, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::middleware::{envelope_errors, request_span, verb_tunnelling};
use crate::routes;
use crate::settings::Settings;
use crate::state::AppState;

pub struct Application {
    host: String,
    port: u16,
    server: Server,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let state = AppState::init(settings).await?;
        Self::serve(state)
    }

    pub fn serve(state: AppState) -> anyhow::Result<Self> {
        let server_settings = state.settings.server.clone();
        let address = format!("{}:{}", server_settings.host, server_settings.port);
        let listener =
            TcpListener::bind(&address).with_context(|| format!("cannot listen on {address}"))?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(state);
        let body_limit = server_settings.max_body_bytes;
        let workers = match server_settings.workers {
            0 => std::thread::available_parallelism().map_or(2, usize::from),
            n => n,
        };
        let server = HttpServer::new(move || {
            // actix runs the last `.wrap()` first, so this list reads inside-out: logically
            // request span and id (echoed as x-request-id) -> error envelope -> trailing-slash
            // normalisation -> verb tunnelling -> routing. CORS, authentication and rate
            // limiting join here in later issues.
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .configure(routes::configure)
                .wrap(from_fn(verb_tunnelling))
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                .wrap(ErrorHandlers::new().default_handler(envelope_errors))
                .wrap(from_fn(request_span))
        })
        .workers(workers)
        .listen(listener)?
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
