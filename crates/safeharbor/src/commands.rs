//! The commands. Each opens the configured database, calls the use cases as the local
//! operator, and prints what it did.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use safeharbor_blob::LocalBlobStore;
use safeharbor_core::audit::Verification;
use safeharbor_core::auth::{secret, token};
use safeharbor_core::members::{self, AddMember};
use safeharbor_core::ports::AuditFilter;
use safeharbor_core::{App, Caller, install};
use safeharbor_domain::page::PageRequest;
use safeharbor_domain::user::Role;
use tokio::net::TcpListener;

use crate::cli::{
    AuditCommand, BreachCommand, Cli, Command, LogreviewCommand, RemindersCommand, ReportCommand,
    TokenCommand, UserCommand,
};
use crate::config::Config;
use crate::{build_app, demo, open_backend, system_clock, telemetry, web_config};

/// Runs the command line; returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    // Pure computation: no configuration is read and no database opened.
    if let Command::Breach(BreachCommand::Assess { file }) = &cli.command {
        return crate::breach_cmd::assess(file);
    }
    if let Command::Logreview(LogreviewCommand::Run(args)) = &cli.command {
        return crate::logreview_cmd::run(args);
    }
    match execute(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::from(exit_code(&e))
        }
    }
}

/// 2 for a value that breaks a rule (a usage error), 1 for any other failure.
fn exit_code(e: &anyhow::Error) -> u8 {
    let invalid = e.chain().any(|c| {
        matches!(
            c.downcast_ref::<safeharbor_core::Error>(),
            Some(safeharbor_core::Error::Invalid(_))
        ) || c.downcast_ref::<safeharbor_domain::Invalid>().is_some()
    });
    if invalid { 2 } else { 1 }
}

fn describe(e: &anyhow::Error) -> String {
    // Core errors already say what to fix; internal causes are shown to the operator, who
    // owns the machine, but never carry PHI.
    e.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(&cli.overrides())?;
    telemetry::init(cfg.log_format, &cfg.log_level);
    if let Command::Openapi = cli.command {
        println!("{}", safeharbor_web::api::openapi_pretty());
        return Ok(ExitCode::SUCCESS);
    }
    let backend = open_backend(&cfg).await?;
    // A restore works on the database alone, and must not make a key: the keys come back from
    // the backup of the data directory, and a new one would hide that they are missing.
    if let Command::Restore { file, force } = &cli.command {
        backend.store().restore(file, *force).await?;
        println!("Restored from {}", file.display());
        backend.close().await;
        return Ok(ExitCode::SUCCESS);
    }
    // The schema protects the audit trail and finalized records with triggers: a database
    // missing them is refused, not served.
    let missing = backend.store().missing_triggers().await?;
    if !missing.is_empty() && matches!(cli.command, Command::Serve(_) | Command::Demo { .. }) {
        anyhow::bail!(
            "the database is missing its append-only triggers ({}): the audit trail and finalized \
             records are unprotected. Run `safeharbor audit verify`, then restore the database \
             from a backup or re-create the triggers",
            missing.join(", ")
        );
    }
    let policy = if backend.store().has_evidence_files().await? {
        safeharbor_blob::KeyPolicy::MustExist
    } else {
        safeharbor_blob::KeyPolicy::CreateIfNew
    };
    let blobs = crate::open_blobs(&cfg, policy)?;
    let clock = match &cli.global.test_clock_offset_file {
        Some(f) => {
            tracing::warn!("the clock is offset by a test file; never do this in production");
            std::sync::Arc::new(crate::OffsetFileClock::new(f.clone())) as _
        }
        None => system_clock(),
    };
    let app = build_app(&backend, &blobs, clock, &cfg)?;
    let op = Caller::local_operator();
    let result = dispatch(cli.command, &cfg, &app, &op, &blobs).await;
    backend.close().await;
    result
}

async fn dispatch(
    cmd: Command,
    cfg: &Config,
    app: &App,
    op: &Caller,
    blobs: &LocalBlobStore,
) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Serve(_) => {
            if app.maintenance().is_empty().await? {
                eprintln!(
                    "note: this installation has no provider yet; run `safeharbor init --provider-name NAME`"
                );
            }
            serve(cfg, app.clone()).await?;
        }
        Command::Demo { clients, .. } => {
            if app.maintenance().is_empty().await? {
                demo::seed(app, clients)
                    .await
                    .context("seeding demo data")?;
            }
            demo::print_sign_ins();
            serve(cfg, app.clone()).await?;
        }
        Command::Init {
            provider_name,
            provider_slug,
        } => {
            let org = install::init(app, op, &provider_name, provider_slug.as_deref()).await?;
            println!(
                "Initialized Safeharbor for {} (slug {}).",
                org.name, org.slug
            );
            println!(
                "Evidence is encrypted with the key in {}: back that directory up apart from the database (see the README, \"Evidence keys\").",
                cfg.data_dir.join("keys").display()
            );
            println!(
                "Next: safeharbor user create --email YOU@EXAMPLE.COM --name 'Your Name' --role provider_admin --password-stdin"
            );
        }
        Command::Migrate => {
            let n = app.maintenance().migrate().await?;
            println!("Schema is up to date ({n} migrations applied now).");
        }
        Command::User(u) => user(app, op, u).await?,
        Command::Token(TokenCommand::Create {
            email,
            org,
            days,
            name,
        }) => {
            let t = token::create_for(app, op, &email, token::NewToken { name, org, days }).await?;
            println!("{}", t.token);
        }
        Command::Backup { out } => {
            app.maintenance().backup(&out).await?;
            println!("Backup written to {}", out.display());
        }
        Command::Restore { .. } => unreachable_command()?,
        Command::Audit(AuditCommand::Verify) => return verify(app).await,
        Command::Audit(AuditCommand::List {
            org,
            action,
            entity_type,
            from,
            to,
            limit,
            json,
        }) => {
            let parse = |f: &str, v: Option<String>| -> anyhow::Result<_> {
                v.map(|t| {
                    time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                        .map_err(|_| {
                            safeharbor_core::Error::invalid(
                                f,
                                "must be a time like 2026-01-31T09:00:00Z",
                            )
                        })
                })
                .transpose()
                .map_err(anyhow::Error::from)
            };
            let filter = AuditFilter {
                action,
                entity_type,
                from: parse("from", from)?,
                to: parse("to", to)?,
                ..AuditFilter::default()
            };
            let page = PageRequest::parse(Some(limit), None)?;
            let events = match org {
                Some(slug) => {
                    safeharbor_core::audit::list_for_org(app, op, &slug, &filter, &page).await?
                }
                None => safeharbor_core::audit::list_all(app, op, &filter, &page).await?,
            };
            for e in events.items {
                let ev = &e.event;
                if json {
                    let v = serde_json::json!({"seq": e.seq, "at": ev.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(), "actor": ev.actor, "org_id": ev.org_id.map(|o| o.to_string()), "action": ev.action, "entity_type": ev.entity_type, "entity_id": ev.entity_id, "summary": ev.summary, "hash": e.hash});
                    println!("{v}");
                } else {
                    println!(
                        "{:>6}  {}  {:<28}  {:<18}  {}",
                        e.seq,
                        ev.at
                            .format(&time::format_description::well_known::Rfc3339)
                            .unwrap_or_default(),
                        ev.actor,
                        ev.action,
                        ev.summary
                    );
                }
            }
        }
        Command::Catalog(c) => crate::catalog_cmd::run(app, op, c).await?,
        Command::Report(ReportCommand::Sra {
            org,
            out,
            period,
            part,
        }) => {
            crate::catalog_cmd::sra_report(app, op, &org, &out, period.as_deref(), &part).await?;
        }
        Command::Report(ReportCommand::Gap { org, out }) => {
            crate::catalog_cmd::gap_report(app, op, &org, &out).await?;
        }
        Command::Openapi => println!("{}", safeharbor_web::api::openapi_pretty()),
        Command::Evidence(c) => return crate::evidence_cmd::run(app, blobs, c).await,
        Command::Breach(BreachCommand::Assess { file }) => {
            return Ok(crate::breach_cmd::assess(&file));
        }
        Command::Logreview(LogreviewCommand::Run(args)) => {
            return Ok(crate::logreview_cmd::run(&args));
        }
        Command::Reminders(RemindersCommand::Run) => {
            let mailer = mailer(cfg)?;
            let r = safeharbor_core::reminders::run(
                app,
                mailer
                    .as_ref()
                    .map(|m| m as &dyn safeharbor_core::ports::Mailer),
                &job_holder(),
                cfg.public_url.as_deref(),
            )
            .await?;
            if r.skipped {
                println!("Another server is running the reminders right now; nothing done.");
            } else {
                println!(
                    "Reminders: {} organizations checked; {} renewal tasks for expiring evidence and {} tasks for controls coming due opened; {} e-mails sent{}.",
                    r.orgs,
                    r.evidence_tasks,
                    r.control_tasks,
                    r.mails_sent,
                    if r.mail_failures > 0 {
                        format!(", {} failed (see the log)", r.mail_failures)
                    } else {
                        String::new()
                    }
                );
                if mailer.is_none() {
                    println!(
                        "(No SMTP server is configured, so no e-mail was sent; see smtp_host.)"
                    );
                }
            }
            if r.failures > 0 {
                println!("{} organizations failed; see the log.", r.failures);
            }
            if r.mail_failures > 0 || r.failures > 0 {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn user(app: &App, op: &Caller, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Create {
            email,
            name,
            role,
            org,
            password_stdin,
            expires_at,
        } => {
            let role = Role::parse(&role)?;
            let slug = match org {
                Some(s) => s,
                None => app_provider_slug(app).await?,
            };
            let (password, generated) = password_from(password_stdin)?;
            let expires_at = expires_at
                .map(|t| {
                    time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                        .map_err(|_| {
                            safeharbor_core::Error::invalid(
                                "expires_at",
                                "must be a time like 2027-03-31T23:59:59Z",
                            )
                        })
                })
                .transpose()?;
            let row = members::add(
                app,
                op,
                &slug,
                AddMember {
                    email,
                    name: Some(name),
                    role,
                    password: Some(password.clone()),
                    expires_at,
                },
            )
            .await?;
            println!(
                "Created {} with role {} in {slug}.",
                row.member.user.email, row.member.membership.role
            );
            if generated {
                println!("Password (shown once): {password}");
            }
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
            reset_mfa,
        } => {
            let (password, generated) = password_from(password_stdin)?;
            let (u, r) = members::reset_password(app, op, &email, &password, reset_mfa).await?;
            println!(
                "Password reset for {}; {} session(s) ended and {} API token(s) revoked{}.",
                u.email,
                r.sessions,
                r.tokens,
                if reset_mfa {
                    "; their second factor was removed"
                } else {
                    ""
                }
            );
            if generated {
                println!("Password (shown once): {password}");
            }
        }
    }
    Ok(())
}

async fn app_provider_slug(app: &App) -> anyhow::Result<String> {
    let op = Caller::local_operator();
    let page = safeharbor_core::orgs::list(
        app,
        &op,
        &safeharbor_core::ports::OrgFilter {
            kind: Some(safeharbor_domain::org::OrgKind::Provider),
            ..Default::default()
        },
        &PageRequest::default(),
    )
    .await?;
    page.items
        .into_iter()
        .next()
        .map(|i| i.org.slug.to_string())
        .ok_or_else(|| anyhow::anyhow!("this installation has no provider yet; run `safeharbor init --provider-name NAME` first"))
}

/// The password from standard input, or a generated one.
fn password_from(stdin: bool) -> anyhow::Result<(String, bool)> {
    if stdin {
        let mut line = String::new();
        let input = std::io::stdin();
        if input.is_terminal() {
            eprint!("Password: ");
        }
        input
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let pw = line.trim_end_matches(['\r', '\n']).to_owned();
        return Ok((pw, false));
    }
    let pw = secret::new_token("")?;
    Ok((pw.chars().take(24).collect(), true))
}

async fn verify(app: &App) -> anyhow::Result<ExitCode> {
    let missing = app.maintenance().missing_triggers().await?;
    let result =
        safeharbor_core::audit::verify(app, |n| tracing::debug!(checked = n, "audit chain"))
            .await?;
    if !missing.is_empty() {
        println!(
            "Audit trail UNPROTECTED: the database is missing its append-only triggers ({}). \
             Rows can be edited without the database refusing; restore from a backup or \
             re-create the triggers.",
            missing.join(", ")
        );
        if let Verification::Broken(b) = &result {
            println!("Audit trail BROKEN: {b}");
        }
        return Ok(ExitCode::from(1));
    }
    match result {
        Verification::Intact { events, head_hash } => {
            println!("Audit trail intact: {events} events verified. Head hash: {head_hash}");
            println!("(Record the head hash somewhere else to detect a rewritten trail later.)");
            Ok(ExitCode::SUCCESS)
        }
        Verification::Broken(b) => {
            println!("Audit trail BROKEN: {b}");
            Ok(ExitCode::from(1))
        }
    }
}

/// A command handled before the application is built.
fn unreachable_command() -> anyhow::Result<()> {
    anyhow::bail!("this command runs before the application is built")
}

/// The configured mailer, if any.
fn mailer(cfg: &Config) -> anyhow::Result<Option<crate::mail::SmtpMailer>> {
    cfg.smtp()?
        .map(crate::mail::SmtpMailer::new)
        .transpose()
        .context("setting up SMTP")
}

/// A name for this process when it takes job leases.
fn job_holder() -> String {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    format!("{}-{}", std::process::id(), hex::encode(b))
}

/// Runs the reminders every `cfg.reminders_every_minutes` until the process ends. The first
/// run waits one minute, so start-up stays fast and a restart loop does not spam.
fn spawn_reminders(cfg: &Config, app: App) -> anyhow::Result<()> {
    if cfg.reminders_every_minutes == 0 {
        return Ok(());
    }
    let every = std::time::Duration::from_secs(cfg.reminders_every_minutes * 60);
    let mailer = mailer(cfg)?;
    let url = cfg.public_url.clone();
    let holder = job_holder();
    tokio::spawn(async move {
        let mut wait = std::time::Duration::from_mins(1);
        loop {
            tokio::time::sleep(wait).await;
            wait = every;
            let m = mailer
                .as_ref()
                .map(|m| m as &dyn safeharbor_core::ports::Mailer);
            match safeharbor_core::reminders::run(&app, m, &holder, url.as_deref()).await {
                Ok(r) if !r.skipped => tracing::info!(
                    orgs = r.orgs,
                    evidence_tasks = r.evidence_tasks,
                    control_tasks = r.control_tasks,
                    mails_sent = r.mails_sent,
                    mail_failures = r.mail_failures,
                    "reminders ran"
                ),
                Ok(_) => tracing::debug!("reminders: another server holds the lease"),
                Err(e) => tracing::error!(error = %e, "reminders failed"),
            }
        }
    });
    Ok(())
}

/// Serves until SIGINT or SIGTERM, then finishes in-flight requests.
async fn serve(cfg: &Config, app: App) -> anyhow::Result<()> {
    spawn_reminders(cfg, app.clone())?;
    let shutdown = shutdown_signal();
    let listener = TcpListener::bind(cfg.addr)
        .await
        .with_context(|| format!("listening on {}", cfg.addr))?;
    let addr = listener.local_addr()?;
    println!("Safeharbor is listening on http://{addr}");
    tracing::info!(%addr, backend = if cfg.is_postgres() { "postgres" } else { "sqlite" }, "listening");
    let state = safeharbor_web::AppState {
        app,
        config: web_config(cfg),
    };
    let limits = safeharbor_web::ServeLimits {
        header_timeout: std::time::Duration::from_secs(cfg.header_timeout_secs),
        body_idle_timeout: std::time::Duration::from_secs(cfg.body_idle_timeout_secs),
        max_connections: cfg.max_connections,
        shutdown_grace: std::time::Duration::from_secs(cfg.shutdown_grace_secs),
    };
    safeharbor_web::serve(listener, state, limits, shutdown)
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

/// Registers the SIGTERM handler now (so a signal that arrives right after "listening" is a
/// clean shutdown, not the default kill) and returns the future that waits for it or Ctrl-C.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term_stream =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async move {
            match term_stream {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {},
            () = term => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
