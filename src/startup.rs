//! The composition root: opens the database, binds the listener and wires every route.

use std::net::{SocketAddr, TcpListener};
use std::time::Instant;

use actix_web::dev::{Server, Service};
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::config::{Environment, Settings};
use crate::routes::{self, AppState};

/// What the use cases are built from, for `serve` and every CLI command alike: the same
/// limits, bot policy, notification settings and database.
pub fn components(settings: &Settings) -> crate::app::Components {
    crate::app::Components {
        data_dir: settings.data_dir.clone(),
        base_model: settings.model.clone(),
        spam_threshold: settings.spam_threshold,
        trainer: None,
        limits: settings.limits,
        bots: settings.bots,
        secret: settings.secret.clone(),
        database_url: settings.database_url.clone(),
        retention: settings.retention,
        db_timeout: settings.db_timeout,
        akismet_discard: settings.akismet_discard,
        notify: settings.notify.clone(),
        campaigns: settings.campaigns,
    }
}

/// A built, bound, not yet running service.
pub struct Application {
    addr: SocketAddr,
    server: Server,
    state: web::Data<AppState>,
    /// How long a stop keeps serving with `/readyz` answering 503.
    drain: std::time::Duration,
}

impl Application {
    /// Opens the database (migrating it), binds `settings.bind` and prepares the server.
    /// In development it registers its own origin as a site and serves a demo article.
    ///
    /// # Errors
    /// When the data directory, database or address cannot be used.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("failed to bind {} (REPLYGUARD_BIND)", settings.bind))?;
        // A small receive buffer for every connection: the HTTP layer reads whatever the
        // kernel holds (up to 128 KiB a connection) before the body guard sees a byte, so
        // 2,000 clients pushing large bodies at once were 2,000 full buffers. Comments are
        // a few KiB; the window still lets a 256 KiB body through in a few round trips.
        rustix::net::sockopt::set_socket_recv_buffer_size(&listener, RECEIVE_BUFFER)
            .context("failed to size the listener's receive buffer")?;
        let addr = listener.local_addr()?;
        let mut components = components(&settings);
        if settings.public_url.is_none() {
            // Links in notifications name the address actually bound.
            components.notify.public_url = format!("http://{addr}");
        }
        let app = crate::app::App::open(&components)?;
        tracing::info!(
            model_version = %app.filter().in_use().info().version,
            "spam filter model loaded"
        );
        app.filter().spawn_schedule(settings.schedule);
        app.privacy().spawn_privacy_purge();
        app.notifications().spawn_notifications();

        let demo_thread = match settings.environment {
            Environment::Development if settings.demo => {
                let origin = match &settings.public_url {
                    Some(url) => url.origin().ascii_serialization(),
                    None => {
                        let ip = if addr.ip().is_unspecified() {
                            std::net::IpAddr::from([127, 0, 0, 1])
                        } else {
                            addr.ip()
                        };
                        format!("http://{}", SocketAddr::new(ip, addr.port()))
                    }
                };
                app.sites()
                    .add_site(origin.clone(), "Replyguard development".to_owned())
                    .await
                    .context("failed to register the development site")?;
                Some(format!("{origin}/"))
            }
            _ => None,
        };

        let state = web::Data::new(AppState {
            app,
            listings: routes::comments::ListingCache::default(),
            trusted_proxies: settings.trusted_proxies.clone(),
            demo_thread,
            metrics_allow: settings.metrics_allow.clone(),
            draining: Default::default(),
        });
        let body = routes::body::BodyGuard::new(settings.body_timeout);
        let server = run(listener, state.clone(), body, settings.shutdown_timeout)?;
        Ok(Self {
            addr,
            server,
            state,
            drain: settings.drain,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until SIGTERM or SIGINT, then stops in order: `/readyz` turns 503, no new
    /// connection is accepted, requests in flight finish (up to `REPLYGUARD_SHUTDOWN_SECS`),
    /// and the writer folds its log into the database before the process exits.
    ///
    /// # Errors
    /// An I/O error from the server, or the database failing to close.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let draining = std::sync::Arc::clone(&self.state.draining);
        let drain = self.drain;
        actix_web::rt::spawn(async move {
            wait_for_stop_signal().await;
            draining.store(true, std::sync::atomic::Ordering::Release);
            tracing::info!(seconds = drain.as_secs(), "stop requested: draining");
            // Still serving, `/readyz` saying so, while a load balancer takes us out.
            actix_web::rt::time::sleep(drain).await;
            handle.stop(true).await;
        });
        self.server.await?;
        self.state.app.operations().close().await?;
        tracing::info!("stopped cleanly");
        Ok(())
    }
}

/// Resolves on SIGTERM (what systemd, Docker and Kubernetes send) or SIGINT (Ctrl-C).
async fn wait_for_stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            tracing::error!("cannot listen for stop signals; stop with SIGKILL");
            std::future::pending::<()>().await;
        }
    }
}

/// The moderator dashboard, with its security headers on every response.
fn dashboard_scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    use routes::dashboard::{
        commenters, events, login, manage, model, notifications, queue, reported, rules, sites,
        tokens,
    };
    web::scope("/dashboard")
        .wrap(
            actix_web::middleware::DefaultHeaders::new()
                .add((
                    "Content-Security-Policy",
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                     base-uri 'none'",
                ))
                .add(("X-Content-Type-Options", "nosniff"))
                .add(("Referrer-Policy", "same-origin"))
                .add(("X-Frame-Options", "DENY")),
        )
        .route("", web::get().to(queue::queue))
        .route("/login", web::get().to(login::login_form))
        .route("/login", web::post().to(login::login))
        .route("/logout", web::post().to(login::logout))
        .route("/act", web::post().to(queue::act))
        .route("/undo", web::post().to(queue::undo))
        .route("/campaign", web::post().to(queue::act_campaign))
        .route("/comments/{id}", web::get().to(queue::detail))
        .route("/commenters/{id}", web::get().to(commenters::commenter))
        .route("/commenters/{id}", web::post().to(commenters::act))
        .route("/sites", web::get().to(sites::sites_page))
        .route("/sites", web::post().to(sites::save_site))
        .route("/article", web::get().to(sites::article_page))
        .route("/article", web::post().to(sites::change_article))
        .route("/reported", web::get().to(reported::reported))
        .route("/events", web::get().to(events::events))
        .route("/reported/dismiss", web::post().to(reported::dismiss))
        .route("/model", web::get().to(model::model_page))
        .route("/model/retrain", web::post().to(model::retrain))
        .route("/model/activate", web::post().to(model::activate))
        .route("/moderators", web::get().to(manage::moderators_page))
        .route("/moderators", web::post().to(manage::manage))
        .route("/rules", web::get().to(rules::rules_page))
        .route("/rules", web::post().to(rules::change_rules))
        .route(
            "/notifications",
            web::get().to(notifications::notifications_page),
        )
        .route(
            "/notifications",
            web::post().to(notifications::save_notifications),
        )
        .route("/tokens", web::get().to(tokens::tokens_page))
        .route("/tokens", web::post().to(tokens::change_tokens))
        .route("/password", web::get().to(manage::password_form))
        .route("/password", web::post().to(manage::change_password))
}

/// Connections each worker serves at once.
const MAX_CONNECTIONS_PER_WORKER: usize = 512;
/// Bytes of receive buffer asked for each connection (Linux doubles it for bookkeeping).
const RECEIVE_BUFFER: usize = 8 * 1024;

fn run(
    listener: TcpListener,
    state: web::Data<AppState>,
    body: routes::body::BodyGuard,
    shutdown_timeout: std::time::Duration,
) -> anyhow::Result<Server> {
    let server = HttpServer::new(move || {
        let body = body.clone();
        App::new()
            .app_data(state.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(routes::MAX_BODY_BYTES)
                    .error_handler(routes::json_payload_error),
            )
            .app_data(web::QueryConfig::default().error_handler(routes::query_error))
            .app_data(web::PathConfig::default().error_handler(routes::path_error))
            // A body cut off is answered here, and logged by the layer around it.
            .wrap_fn(move |mut req, srv| {
                let watched = body.watch(&mut req);
                let response = srv.call(req);
                let body = body.clone();
                async move {
                    let response = response.await?;
                    Ok(body.answer(response, watched.as_deref()))
                }
            })
            .wrap_fn(|req, srv| {
                // Method, path and status only: query strings and bodies can carry reader data.
                let method = req.method().clone();
                let path = req.path().to_owned();
                let started = Instant::now();
                let response = srv.call(req);
                async move {
                    let response = response.await?;
                    if response.status() == actix_web::http::StatusCode::TOO_MANY_REQUESTS {
                        crate::metrics::global().too_many_requests.inc();
                    }
                    tracing::info!(
                        %method,
                        %path,
                        status = response.status().as_u16(),
                        ms = started.elapsed().as_millis() as u64,
                        "request"
                    );
                    Ok(response)
                }
            })
            .route(
                "/1.1/verify-key",
                web::post().to(routes::akismet::verify_key),
            )
            .route(
                "/1.1/comment-check",
                web::post().to(routes::akismet::comment_check),
            )
            .route(
                "/1.1/submit-spam",
                web::post().to(routes::akismet::submit_spam),
            )
            .route(
                "/1.1/submit-ham",
                web::post().to(routes::akismet::submit_ham),
            )
            .route(
                "/1.2/usage-limit",
                web::get().to(routes::akismet::usage_limit),
            )
            .route(
                "/1.2/usage-limit",
                web::post().to(routes::akismet::usage_limit),
            )
            .route("/1.2/key-sites", web::get().to(routes::akismet::key_sites))
            .route("/1.2/key-sites", web::post().to(routes::akismet::key_sites))
            .route("/healthz", web::get().to(routes::health::healthz))
            .route("/readyz", web::get().to(routes::health::readyz))
            .route("/metrics", web::get().to(routes::health::metrics))
            .route("/", web::get().to(routes::demo::demo_article))
            .route("/demo", web::get().to(routes::demo::demo_article))
            .route("/embed.js", web::get().to(routes::demo::embed_script))
            .route("/embed.css", web::get().to(routes::demo::embed_stylesheet))
            .route("/i18n/{lang}", web::get().to(routes::comments::catalogue))
            .route(
                "/notifications/confirm",
                web::get().to(routes::notifications::confirm_page),
            )
            .route(
                "/notifications/confirm",
                web::post().to(routes::notifications::confirm),
            )
            .route(
                "/notifications/unsubscribe",
                web::get().to(routes::notifications::unsubscribe_page),
            )
            .route(
                "/notifications/unsubscribe",
                web::post().to(routes::notifications::unsubscribe),
            )
            .route(
                "/static/replyguard.css",
                web::get().to(routes::demo::stylesheet),
            )
            .route(
                "/comments",
                web::post().to(routes::comments::submit_comment_form),
            )
            .service(
                web::scope("/api/v1")
                    .wrap(actix_web::middleware::from_fn(routes::cors::cors))
                    // Preflight requests are answered by the CORS middleware; these routes
                    // only let them reach it.
                    .route(
                        "/comments",
                        web::method(actix_web::http::Method::OPTIONS).to(routes::not_found),
                    )
                    .route(
                        "/form-token",
                        web::method(actix_web::http::Method::OPTIONS).to(routes::not_found),
                    )
                    .route(
                        "/comments",
                        web::post().to(routes::comments::submit_comment_json),
                    )
                    .route("/comments", web::get().to(routes::comments::list_comments))
                    .route(
                        "/comments/{id}/report",
                        web::method(actix_web::http::Method::OPTIONS).to(routes::not_found),
                    )
                    .route(
                        "/comments/{id}/report",
                        web::post().to(routes::comments::report::report_comment),
                    )
                    .route("/form-token", web::get().to(routes::comments::form_token))
                    .route(
                        "/openapi.json",
                        web::get().to(routes::openapi::openapi_json),
                    )
                    .route(
                        "/moderation/comments",
                        web::get().to(routes::moderation::list_for_moderation),
                    )
                    .route(
                        "/moderation/comments/{id}",
                        web::get().to(routes::moderation::moderation_detail),
                    )
                    .route(
                        "/moderation/comments/{id}",
                        web::post().to(routes::moderation::apply_action),
                    )
                    .route(
                        "/moderation/commenters/{id}",
                        web::post().to(routes::moderation::commenter_action),
                    )
                    .route(
                        "/moderation/comments/{id}/dismiss-reports",
                        web::post().to(routes::moderation::dismiss_reports),
                    )
                    .route(
                        "/moderation/campaigns/{id}",
                        web::post().to(routes::moderation::decide_campaign),
                    )
                    .route(
                        "/moderation/model",
                        web::get().to(routes::model::model_status),
                    )
                    .route(
                        "/moderation/model/retrain",
                        web::post().to(routes::model::retrain),
                    )
                    .route(
                        "/moderation/model/activate",
                        web::post().to(routes::model::activate),
                    ),
            )
            .route(
                "/static/dashboard.js",
                web::get().to(routes::dashboard::script),
            )
            .route(
                "/static/dashboard.css",
                web::get().to(routes::dashboard::stylesheet),
            )
            .service(dashboard_scope())
            .default_service(web::to(routes::not_found))
    })
    .listen(listener)?
    // Signals are ours (`run_until_stopped`), so `/readyz` can say "draining" first.
    .disable_signals()
    // A request answered before its body was read closes at once: lingering to read and
    // discard the rest held a full read buffer per half-sent body (510 MB for 2,000 of them
    // at 250 ms, 390 MB at actix's 1 s).
    .client_disconnect_timeout(std::time::Duration::ZERO)
    // Each open connection costs about 33 KiB before it sends a byte of body (2,000 held
    // open took 65 MB); past this many per worker, new ones wait in the kernel's backlog
    // until a slot frees, which the header and body deadlines bound.
    .max_connections(MAX_CONNECTIONS_PER_WORKER)
    .shutdown_timeout(shutdown_timeout.as_secs())
    .run();
    Ok(server)
}
