//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{LogFormat, Overrides, SecureCookies};

/// Safeharbor: HIPAA compliance for managed service providers and their client practices.
///
/// Every setting can also be given in the TOML file (`--config`, or safeharbor.toml in the
/// data directory) and in the environment as `SAFEHARBOR_<SETTING>` (e.g.
/// `SAFEHARBOR_SESSION_IDLE_MINUTES`; the log filter is `SAFEHARBOR_LOG`); secrets also as
/// `SAFEHARBOR_<SETTING>_FILE` naming a file that holds them. Flags win over the environment,
/// the environment over the file, the file over the defaults.
///
/// Exit codes: 0 ok, 1 failure, 2 usage (a wrong command line or a value that breaks a rule).
#[derive(Debug, Parser)]
#[command(name = "safeharbor", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Data directory (SQLite database, configuration file).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://FILE` or `postgres://USER@HOST/DB` (default: SQLite in the
    /// data directory). `SAFEHARBOR_DATABASE_URL_FILE` may name a file holding it instead.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Configuration file (TOML; default: safeharbor.toml in the data directory, if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. `info` or `warn,safeharbor_web=debug`.
    #[arg(long, global = true, value_name = "FILTER")]
    pub log_level: Option<String>,
    /// Where the 5x5 risk matrix changes level: the highest low, medium and high scores,
    /// e.g. `4,9,15` (the default).
    #[arg(long, global = true, value_name = "L,M,H")]
    pub risk_thresholds: Option<String>,
    /// Months a finalized risk analysis stays current (a Safeharbor default of 12, not a term
    /// of the rule).
    #[arg(long, global = true, value_name = "N")]
    pub sra_valid_months: Option<u32>,
    /// Hours without a successful backup before a backup import reports it (a Safeharbor
    /// default of 48, not a term of the rule).
    #[arg(long, global = true, value_name = "N")]
    pub backup_max_age_hours: Option<u32>,
    /// Months without a restore test before a backup import reports it (a Safeharbor default
    /// of 12, not a term of the rule).
    #[arg(long, global = true, value_name = "N")]
    pub restore_test_max_age_months: Option<u32>,
    #[command(flatten)]
    pub mail: MailArgs,
    /// Test only: a file holding a number of seconds to add to the real clock, read on every
    /// use, so browser tests can watch evidence expire. Never set it in production.
    #[arg(long, global = true, hide = true, value_name = "FILE")]
    pub test_clock_offset_file: Option<PathBuf>,
}

/// Reminders and the mail they send.
#[derive(Debug, Args, Clone, Default)]
pub struct MailArgs {
    /// SMTP server for reminder e-mail (none: reminders only make tasks).
    #[arg(long, global = true, value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, global = true, value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls`, or `none` (only to a relay on this machine).
    #[arg(long, global = true, value_name = "MODE")]
    pub smtp_security: Option<String>,
    /// SMTP user name (the password comes from `SAFEHARBOR_SMTP_PASSWORD` or
    /// `SAFEHARBOR_SMTP_PASSWORD_FILE`, or `smtp_password` in the file).
    #[arg(long, global = true, value_name = "USER")]
    pub smtp_username: Option<String>,
    /// The sender address of reminder e-mail.
    #[arg(long, global = true, value_name = "ADDRESS")]
    pub smtp_from: Option<String>,
    /// The address people reach Safeharbor at, for links in e-mail (e.g. `https://compliance.example.com`).
    #[arg(long, global = true, value_name = "URL")]
    pub public_url: Option<String>,
    /// Minutes between reminder runs in `serve` (0 turns them off; default 60).
    #[arg(long, global = true, value_name = "N")]
    pub reminders_every_minutes: Option<u64>,
}

/// Options of the server.
#[derive(Debug, Args, Clone, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "IP:PORT")]
    pub addr: Option<SocketAddr>,
    /// Automatic logoff after this many minutes without activity (164.312(a)(2)(iii)); default 15.
    #[arg(long, value_name = "N")]
    pub session_idle_minutes: Option<i64>,
    /// Automatic logoff after this many seconds instead (10-86400; for short demos and tests).
    #[arg(long, value_name = "N", conflicts_with = "session_idle_minutes")]
    pub session_idle_seconds: Option<i64>,
    /// Sessions end this many hours after sign-in; default 12.
    #[arg(long, value_name = "N")]
    pub session_absolute_hours: Option<i64>,
    /// Largest request body in bytes; default 1048576.
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest evidence file accepted, in bytes; default 100000000 (100 MB). Uploads stream,
    /// so this bounds disk use, not memory.
    #[arg(long, value_name = "BYTES")]
    pub upload_limit: Option<u64>,
    /// Mark cookies Secure: auto (unless plain HTTP on loopback), always, never.
    #[arg(long, value_enum)]
    pub secure_cookies: Option<SecureCookies>,
    /// Take client addresses from X-Forwarded-For (only behind your own reverse proxy).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub trust_proxy: Option<bool>,
    /// Failed sign-ins to one account within 15 minutes before it is locked; default 5.
    #[arg(long, value_name = "N")]
    pub account_lock_threshold: Option<i64>,
    /// Failed sign-ins from one address within 15 minutes before it is refused; default 30.
    #[arg(long, value_name = "N")]
    pub address_lock_threshold: Option<i64>,
    /// Seconds a client may take to send a request's headers; default 10.
    #[arg(long, value_name = "SECS")]
    pub header_timeout_secs: Option<u64>,
    /// Seconds a request body may stall between two reads; default 30.
    #[arg(long, value_name = "SECS")]
    pub body_idle_timeout_secs: Option<u64>,
    /// Connections served at once (more wait to be accepted); default 1024.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Seconds requests in flight get to finish after SIGTERM before they are cut; default 20.
    #[arg(long, value_name = "SECS")]
    pub shutdown_grace_secs: Option<u64>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Run the server with demo data (seeded only when the database is empty).
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Number of client practices to seed (default 3).
        #[arg(long, value_name = "N", default_value_t = 3)]
        clients: u32,
    },
    /// Create a new installation: the provider organization (your MSP).
    Init {
        /// Your organization's name.
        #[arg(long, value_name = "NAME")]
        provider_name: String,
        /// Its URL name (derived from the name when absent).
        #[arg(long, value_name = "SLUG")]
        provider_slug: Option<String>,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a consistent copy of the database while it is in use.
    Backup {
        /// The file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Replace the database's contents with a backup.
    Restore {
        /// A file written by `safeharbor backup`.
        file: PathBuf,
        /// Replace a database that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The regulatory catalog: list, show, export, import.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Reports (PDF or CSV).
    #[command(subcommand)]
    Report(ReportCommand),
    /// Print the OpenAPI document of the REST API.
    Openapi,
    /// The evidence store: verify every stored file, rotate the encryption key.
    #[command(subcommand)]
    Evidence(EvidenceCommand),
    /// Reminders of expiring evidence and controls coming due.
    #[command(subcommand)]
    Reminders(RemindersCommand),
    /// Breach of unsecured PHI: assess a case against 45 CFR 164.400-164.414 (no database).
    #[command(subcommand)]
    Breach(BreachCommand),
    /// Access-log review (45 CFR 164.308(a)(1)(ii)(D), 164.312(b)): the accesses of an EHR
    /// access log worth a look (no database).
    #[command(subcommand)]
    Logreview(LogreviewCommand),
}

/// Access-log review commands.
#[derive(Debug, Subcommand)]
pub enum LogreviewCommand {
    /// Review an access log against the workforce, patients, encounters and departments:
    /// write the alerts as CSV (`rule,event_id,user_id,patient_id,day,detail`) and print the
    /// counts per rule.
    Run(crate::logreview_cmd::LogreviewRunArgs),
}

/// Breach commands.
#[derive(Debug, Subcommand)]
pub enum BreachCommand {
    /// Read one case (JSON) and print its determination as JSON: breach or not, each notice
    /// deadline, what to keep. Exit 0 with a determination, 2 naming the field of a refused
    /// case.
    Assess {
        /// The case file, or `-` for standard input.
        #[arg(value_name = "FILE")]
        file: String,
    },
}

/// Evidence store commands.
#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Re-read, authenticate and re-hash every stored file; exit 1 listing any that are
    /// missing or altered (recorded on their organization's status). Also lists stored files
    /// no record names (left by a crash or a restore).
    Verify {
        /// Delete the stored files no record names.
        #[arg(long)]
        remove_orphans: bool,
    },
    /// Make a new encryption key current and re-encrypt every stored file under it.
    RotateKey,
    /// Benchmark baseline: SHA-256 and AES-256-GCM speed on one core on this machine.
    #[command(hide = true)]
    SpeedTest {
        /// MiB to process.
        #[arg(long, default_value_t = 1024)]
        mib: usize,
    },
}

/// Reminder commands.
#[derive(Debug, Subcommand)]
pub enum RemindersCommand {
    /// Run the reminders once now: tasks for evidence expiring within 30 days and controls due
    /// within 14, and e-mail to each organization's administrators when SMTP is configured.
    Run,
}

/// User commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user with a role in an organization.
    Create {
        /// Sign-in e-mail.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// `provider_admin`, `provider_staff`, `client_admin`, `client_member` or `auditor`.
        #[arg(long)]
        role: String,
        /// Organization slug (default: the provider).
        #[arg(long, value_name = "SLUG")]
        org: Option<String>,
        /// Read the password from standard input (otherwise one is generated and printed).
        #[arg(long)]
        password_stdin: bool,
        /// End of access, for auditors (RFC 3339, e.g. 2027-03-31T23:59:59Z).
        #[arg(long, value_name = "TIME")]
        expires_at: Option<String>,
    },
    /// Set a new password for a user (lost password); ends their sessions and lifts a lock.
    ResetPassword {
        /// Sign-in e-mail.
        #[arg(long)]
        email: String,
        /// Read the password from standard input (otherwise one is generated and printed).
        #[arg(long)]
        password_stdin: bool,
        /// Also remove their second factor (lost device).
        #[arg(long)]
        reset_mfa: bool,
    },
}

/// Token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; prints only the token.
    Create {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// Restrict the token to this organization (slug).
        #[arg(long, value_name = "SLUG")]
        org: Option<String>,
        /// Lifetime in days (default 90, at most 366).
        #[arg(long, value_name = "N")]
        days: Option<i64>,
        /// A name to recognise the token by.
        #[arg(long, default_value = "CLI token")]
        name: String,
    },
}

/// Catalog commands.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// List the frameworks (shipped and imported).
    List,
    /// Show a framework's requirements, or one requirement.
    Show {
        /// Framework key, e.g. hipaa-security.
        #[arg(long)]
        framework: String,
        /// One requirement's reference, e.g. "164.308(a)(1)(ii)(A)".
        #[arg(long = "ref", value_name = "REF")]
        reference: Option<String>,
    },
    /// Export a framework as OSCAL 1.2.1, JSON or CSV.
    Export {
        /// Framework key.
        #[arg(long)]
        framework: String,
        /// oscal, json or csv.
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Store the official text of an eCFR XML file (45 CFR 164 Subpart C or D).
    ImportEcfr {
        /// The eCFR XML file.
        file: PathBuf,
    },
    /// Import an OSCAL catalog (JSON) as a framework.
    ImportOscal {
        /// The OSCAL catalog file.
        file: PathBuf,
        /// Framework key (default: derived from the catalog's title).
        #[arg(long)]
        key: Option<String>,
    },
    /// Import your own control list (CSV: id,title[,parent][,maps_to]) as a baseline framework.
    ImportBaseline {
        /// The CSV file.
        file: PathBuf,
        /// Framework key, e.g. acme-msp-controls.
        #[arg(long)]
        key: String,
        /// Display title.
        #[arg(long)]
        title: String,
        /// Version of the list (a new version replaces the old in views).
        #[arg(long = "list-version", value_name = "VERSION")]
        list_version: String,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// OSCAL 1.2.1 catalog (JSON).
    Oscal,
    /// `{"framework": {...}, "requirements": [...]}`.
    Json,
    /// One row per requirement.
    Csv,
}

/// Report commands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The security risk assessment report: scope, method, asset inventory, risk register with
    /// heat maps, questionnaire results, addressable decisions, risk management plan. PDF, or
    /// with `.csv` the risk register (`--part` for the others).
    Sra {
        /// Organization slug.
        #[arg(long, value_name = "SLUG")]
        org: String,
        /// Output file (.pdf or .csv).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Which assessment: its period, e.g. 2026 (default: the one in progress, else the
        /// latest finalized).
        #[arg(long, value_name = "PERIOD")]
        period: Option<String>,
        /// For CSV: risks (default), assets, questionnaire or plan.
        #[arg(long, default_value = "risks")]
        part: String,
    },
    /// The gap view: HIPAA against the organization's baseline (PDF, or CSV by extension).
    Gap {
        /// Organization slug.
        #[arg(long, value_name = "SLUG")]
        org: String,
        /// Output file (.pdf or .csv).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// Audit commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Re-walk the hash chain; exit 1 naming the first bad event if it was altered.
    Verify,
    /// List events, newest first.
    List {
        /// Only this organization (slug).
        #[arg(long, value_name = "SLUG")]
        org: Option<String>,
        /// Actions starting with this (e.g. `session.` or `org.create`).
        #[arg(long)]
        action: Option<String>,
        /// Only this kind of entity.
        #[arg(long)]
        entity_type: Option<String>,
        /// At or after (RFC 3339).
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Before (RFC 3339).
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// How many (1-200).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

impl Cli {
    /// The configuration overrides given on the command line.
    pub fn overrides(&self) -> Overrides {
        let serve = match &self.command {
            Command::Serve(s) | Command::Demo { serve: s, .. } => s.clone(),
            _ => ServeArgs::default(),
        };
        let mail = self.global.mail.clone();
        Overrides {
            config_file: self.global.config.clone(),
            data_dir: self.global.data_dir.clone(),
            database_url: self.global.database_url.clone(),
            addr: serve.addr,
            log_format: self.global.log_format,
            log_level: self.global.log_level.clone(),
            session_idle_minutes: serve.session_idle_minutes,
            session_idle_seconds: serve.session_idle_seconds,
            session_absolute_hours: serve.session_absolute_hours,
            max_body_bytes: serve.max_body_bytes,
            upload_limit: serve.upload_limit,
            secure_cookies: serve.secure_cookies,
            trust_proxy: serve.trust_proxy,
            account_lock_threshold: serve.account_lock_threshold,
            address_lock_threshold: serve.address_lock_threshold,
            risk_thresholds: self.global.risk_thresholds.clone(),
            sra_valid_months: self.global.sra_valid_months,
            backup_max_age_hours: self.global.backup_max_age_hours,
            restore_test_max_age_months: self.global.restore_test_max_age_months,
            smtp_host: mail.smtp_host,
            smtp_port: mail.smtp_port,
            smtp_security: mail.smtp_security,
            smtp_username: mail.smtp_username,
            smtp_from: mail.smtp_from,
            public_url: mail.public_url,
            reminders_every_minutes: mail.reminders_every_minutes,
            header_timeout_secs: serve.header_timeout_secs,
            body_idle_timeout_secs: serve.body_idle_timeout_secs,
            max_connections: serve.max_connections,
            shutdown_grace_secs: serve.shutdown_grace_secs,
        }
    }
}
