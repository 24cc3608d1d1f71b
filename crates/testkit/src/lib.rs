//! Test support: `spawn_app` starts the whole HTTP application on 127.0.0.1:0 over a fresh
//! database (SQLite in a temporary directory, or a new PostgreSQL database when
//! `SAFEHARBOR_TEST_DATABASE_URL` names a server), with a fake clock and seeded tenants.

#![expect(
    clippy::expect_used,
    clippy::missing_panics_doc,
    reason = "test support: a setup that fails must fail the test at once, loudly"
)]

pub mod inventory;
pub mod sra;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use safeharbor::Backend;
use safeharbor_blob::LocalBlobStore;
use safeharbor_core::auth::token;
use safeharbor_core::authz::{self, Need, TenantScope};
use safeharbor_core::clock::FakeClock;
use safeharbor_core::members::{self, AddMember};
use safeharbor_core::orgs::{self, CreateClient};
use safeharbor_core::{App, Caller, Settings, evidence, install, locations};
use safeharbor_domain::evidence::LinkTarget;
use safeharbor_domain::org::{LocationKind, NewLocation, OrgKind};
use safeharbor_domain::user::Role;
use serde_json::Value;
use time::macros::datetime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The password of every seeded user.
pub const PASSWORD: &str = "test-password-123";

/// Which database the suite runs on.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("SAFEHARBOR_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh, empty database, and what keeps it alive.
pub struct FreshDb {
    /// The open backend.
    pub backend: Backend,
    /// The URL it was opened with.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for FreshDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshDb")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Opens a new empty database of the kind the suite runs on.
pub async fn fresh_db() -> FreshDb {
    if let Some(admin) = postgres_admin_url() {
        let name = format!("sh_test_{}", uuid::Uuid::now_v7().simple());
        let admin_pool = sqlx::PgPool::connect(&admin)
            .await
            .expect("connect to the PostgreSQL test server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin_pool)
            .await
            .expect("create test database");
        admin_pool.close().await;
        let url = replace_db_name(&admin, &name);
        let backend = Backend::open(&url).await.expect("open test database");
        return FreshDb {
            backend,
            url,
            _dir: None,
        };
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let backend = Backend::open(&url).await.expect("open test database");
    FreshDb {
        backend,
        url,
        _dir: Some(dir),
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (head, query) = url
        .split_once('?')
        .map_or((url, None), |(h, q)| (h, Some(q)));
    let after_scheme = head.find("://").map_or(0, |i| i + 3);
    let host_end = head[after_scheme..]
        .find('/')
        .map_or(head.len(), |i| after_scheme + i);
    let mut out = format!("{}/{name}", &head[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A seeded user: sign-in and an unrestricted API token.
#[derive(Debug, Clone)]
pub struct SeededUser {
    /// E-mail.
    pub email: String,
    /// API token (Bearer).
    pub token: String,
    /// Home organization slug.
    pub org: String,
}

/// Names of the seeded tenants and people.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The provider's slug.
    pub provider: String,
    /// A client practice.
    pub alpha: String,
    /// Another client practice.
    pub beta: String,
    /// A location of alpha.
    pub alpha_location: String,
    /// A location of beta.
    pub beta_location: String,
    /// Users by name: `padmin`, `pstaff` (assigned to alpha), `alpha_admin`, `alpha_member`,
    /// `alpha_auditor`, `beta_admin`.
    pub users: HashMap<&'static str, SeededUser>,
    /// Risk analysis records of each client, by slug.
    pub area: HashMap<String, AreaIds>,
}

/// Ids of one client's seeded risk analysis records.
#[derive(Debug, Clone)]
pub struct AreaIds {
    /// An asset ("<name> EHR").
    pub asset: String,
    /// A risk against it.
    pub risk: String,
    /// A draft assessment for period 2026.
    pub assessment: String,
    /// A task of the plan.
    pub task: String,
    /// A control.
    pub control: String,
    /// A piece of evidence (a text file linked to the control).
    pub evidence: String,
}

impl Seed {
    /// A seeded user.
    pub fn user(&self, name: &str) -> &SeededUser {
        self.users
            .get(name)
            .unwrap_or_else(|| panic!("no seeded user {name}"))
    }
}

/// The app under test.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The listening address.
    pub addr: SocketAddr,
    /// The clock the app reads.
    pub clock: Arc<FakeClock>,
    /// The use cases, over the same database.
    pub app: App,
    /// The database.
    pub db: FreshDb,
    /// The evidence blob store.
    pub blobs: LocalBlobStore,
    /// Its directory (the data directory of the blob store: `keys/`, `blobs/`).
    pub blob_dir: tempfile::TempDir,
    /// Seeded tenants and users.
    pub seed: Seed,
    /// A client without cookies.
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// The time the fake clock starts at.
pub const START: time::OffsetDateTime = datetime!(2026-03-02 14:00:00 UTC);

/// Starts the app on a fresh database with the standard seed.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default()).await
}

/// As [`spawn_app`], with other core settings.
pub async fn spawn_app_with(settings: Settings) -> TestApp {
    spawn_app_full(settings, safeharbor_web::ServeLimits::default()).await
}

/// As [`spawn_app`], with other limits on what clients may hold.
pub async fn spawn_app_limited(limits: safeharbor_web::ServeLimits) -> TestApp {
    spawn_app_full(Settings::default(), limits).await
}

async fn spawn_app_full(settings: Settings, limits: safeharbor_web::ServeLimits) -> TestApp {
    // `SAFEHARBOR_TEST_LOG=error` (a tracing filter) shows the server's log while debugging a
    // test; the suite runs without it.
    if let Ok(filter) = std::env::var("SAFEHARBOR_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
    let db = fresh_db().await;
    let clock = Arc::new(FakeClock::new(START));
    let blob_dir = tempfile::tempdir().expect("blob dir");
    let blobs = LocalBlobStore::open(blob_dir.path()).expect("blob store");
    let app = App::new(
        db.backend.store(),
        Arc::new(blobs.clone()),
        clock.clone(),
        settings,
    )
    .expect("app");
    let seed = seed(&app).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = safeharbor_web::AppState {
        app: app.clone(),
        config: safeharbor_web::WebConfig {
            secure_cookies: false,
            ..Default::default()
        },
    };
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = safeharbor_web::serve(listener, state, limits, async move {
            let _ = rx.await;
        })
        .await;
    });
    TestApp {
        base: format!("http://{addr}"),
        addr,
        clock,
        app,
        db,
        blobs,
        blob_dir,
        seed,
        http: reqwest::Client::new(),
        shutdown: Some(tx),
        server: Some(server),
    }
}

async fn seed(app: &App) -> Seed {
    let op = Caller::local_operator();
    install::init(app, &op, "Test MSP", Some("test-msp"))
        .await
        .expect("init");
    let mut locs = Vec::new();
    for (name, slug) in [
        ("Alpha Clinic", "alpha-clinic"),
        ("Beta Clinic", "beta-clinic"),
    ] {
        orgs::create_client(
            app,
            &op,
            CreateClient {
                name: name.into(),
                slug: Some(slug.into()),
                kind: OrgKind::Client,
                hipaa_role: None,
            },
        )
        .await
        .expect("client");
        let l = locations::create(
            app,
            &op,
            slug,
            NewLocation::parse(
                &format!("{name} Main"),
                LocationKind::Clinic,
                Some("1 Main St"),
            )
            .expect("loc"),
        )
        .await
        .expect("location");
        locs.push(l.id.to_string());
    }
    let people: [(&'static str, Role, &str, Option<time::OffsetDateTime>); 6] = [
        ("padmin", Role::ProviderAdmin, "test-msp", None),
        ("pstaff", Role::ProviderStaff, "test-msp", None),
        ("alpha_admin", Role::ClientAdmin, "alpha-clinic", None),
        ("alpha_member", Role::ClientMember, "alpha-clinic", None),
        (
            "alpha_auditor",
            Role::Auditor,
            "alpha-clinic",
            Some(START + time::Duration::days(30)),
        ),
        ("beta_admin", Role::ClientAdmin, "beta-clinic", None),
    ];
    let mut users = HashMap::new();
    for (name, role, org, expires_at) in people {
        let email = format!("{}@example.com", name.replace('_', "."));
        members::add(
            app,
            &op,
            org,
            AddMember {
                email: email.clone(),
                name: Some(name.replace('_', " ")),
                role,
                password: Some(PASSWORD.into()),
                expires_at,
            },
        )
        .await
        .expect("user");
        let t = token::create_for(
            app,
            &op,
            &email,
            token::NewToken {
                name: "test".into(),
                org: None,
                days: Some(365),
            },
        )
        .await
        .expect("token");
        users.insert(
            name,
            SeededUser {
                email,
                token: t.token,
                org: org.to_owned(),
            },
        );
    }
    members::add(
        app,
        &op,
        "alpha-clinic",
        AddMember {
            email: "pstaff@example.com".into(),
            name: None,
            role: Role::ProviderStaff,
            password: None,
            expires_at: None,
        },
    )
    .await
    .expect("assign staff");
    let mut area = HashMap::new();
    for (name, slug) in [
        ("Alpha Clinic", "alpha-clinic"),
        ("Beta Clinic", "beta-clinic"),
    ] {
        area.insert(slug.to_owned(), seed_area(app, &op, name, slug).await);
    }
    Seed {
        area,
        provider: "test-msp".into(),
        alpha: "alpha-clinic".into(),
        beta: "beta-clinic".into(),
        alpha_location: locs[0].clone(),
        beta_location: locs[1].clone(),
        users,
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Body as JSON (`Value::Null` when empty or not JSON).
    pub json: Value,
    /// Body as text.
    pub text: String,
}

impl Reply {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }

    /// The field named by an error body.
    pub fn field(&self) -> &str {
        self.json["error"]["field"].as_str().unwrap_or("")
    }
}

impl TestApp {
    /// Sends a request with a bearer token (or none) and an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        self.send(&self.http, method, path, token, body).await
    }

    /// As `call`, through a given client (e.g. one with a cookie jar).
    pub async fn send(
        &self,
        client: &reqwest::Client,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut req = client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
            text,
        }
    }

    /// The text of a PDF served at `path` to a seeded user, as `pdftotext` (Debian's
    /// poppler-utils, which the test command requires) extracts it, with runs of whitespace
    /// collapsed to one space so sentences can be matched across line breaks.
    pub async fn pdf_text(&self, user: &str, path: &str) -> String {
        let t = self.seed.user(user).token.clone();
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(t)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), reqwest::StatusCode::OK, "{path}");
        let bytes = res.bytes().await.expect("body");
        assert!(bytes.starts_with(b"%PDF-"), "{path} is not a PDF");
        pdf_to_text(&bytes)
    }

    /// GET as a seeded user.
    pub async fn get_as(&self, user: &str, path: &str) -> Reply {
        let t = self.seed.user(user).token.clone();
        self.call(Method::GET, path, Some(&t), None).await
    }

    /// A request with a JSON body as a seeded user.
    pub async fn send_as(&self, user: &str, method: Method, path: &str, body: &Value) -> Reply {
        let t = self.seed.user(user).token.clone();
        self.call(method, path, Some(&t), Some(body)).await
    }

    /// A client with its own cookie jar, signed in as `email`.
    pub async fn browser_signed_in(&self, email: &str) -> reqwest::Client {
        // A browser names the page's origin on every state-changing request.
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ORIGIN,
            reqwest::header::HeaderValue::from_str(&self.base).expect("origin"),
        );
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .build()
            .expect("client");
        let r = self
            .send(
                &c,
                Method::POST,
                "/api/v1/session",
                None,
                Some(&serde_json::json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "sign-in as {email}: {}",
            r.text
        );
        c
    }

    /// A scope as the local operator, for store-level checks.
    pub async fn operator_scope(&self, slug: &str) -> TenantScope {
        authz::scope(&self.app, &Caller::local_operator(), slug, Need::Administer)
            .await
            .expect("scope")
    }

    /// Stops the server, letting requests in flight finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
        self.db.backend.close().await;
    }

    /// Signals shutdown without waiting; returns the server task.
    pub fn begin_shutdown(&mut self) -> Option<JoinHandle<()>> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.server.take()
    }
}

/// A signed-in browser for the web pages: its cookie jar and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Browser {
    /// The client, with cookies.
    pub client: reqwest::Client,
    /// The CSRF token forms carry.
    pub csrf: String,
}

impl TestApp {
    /// Signs in through the sign-in page, as a person would.
    pub async fn page_sign_in(&self, email: &str) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let form = client
            .get(format!("{}/login", self.base))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .expect("body");
        let token = between(&form, "name=\"_login\" value=\"", "\"").expect("login token");
        let r = client
            .post(format!("{}/login", self.base))
            .form(&[
                ("email", email),
                ("password", PASSWORD),
                ("next", "/"),
                ("_login", &token),
            ])
            .send()
            .await
            .expect("sign in");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in as {email}");
        let home = client
            .get(format!("{}/account", self.base))
            .send()
            .await
            .expect("account")
            .text()
            .await
            .expect("body");
        let csrf = between(&home, "data-csrf=\"", "\"").expect("csrf token on the page");
        Browser { client, csrf }
    }

    /// GET a page.
    pub async fn page_get(&self, b: &Browser, path: &str) -> Reply {
        let res = b
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        read(res).await
    }

    /// POST a form, adding the CSRF token.
    pub async fn page_post(&self, b: &Browser, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("_csrf", &b.csrf));
        let res = b
            .client
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .expect("request");
        read(res).await
    }
}

async fn read(res: reqwest::Response) -> Reply {
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    Reply {
        status,
        headers,
        json: Value::Null,
        text,
    }
}

/// The text of a PDF, by `pdftotext` (poppler-utils), whitespace collapsed. Panics with what
/// to install when the tool is missing: a report test must never pass by skipping.
pub fn pdf_to_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext must be installed to test reports: apt-get install poppler-utils");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text between `start` and the next `end`.
pub fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(s[i..j].to_owned())
}

async fn seed_area(app: &App, op: &Caller, name: &str, slug: &str) -> AreaIds {
    use safeharbor_core::{assets, controls, risks, sra, tasks};
    use safeharbor_domain::risk::{AssetInput, RiskInput, RiskStatus};
    let fields = AssetInput {
        name: &format!("{name} EHR"),
        kind: "ehr",
        ephi_role: "stores",
        criticality: "critical",
        ..AssetInput::default()
    }
    .parse(None)
    .expect("asset fields");
    let asset = assets::create(app, op, slug, fields, false)
        .await
        .expect("asset");
    let risk = risks::create(
        app,
        op,
        slug,
        Some(asset.id),
        RiskInput {
            threat_key: "ransomware",
            vulnerability: "No offline backup",
            likelihood: Some(3),
            impact: Some(5),
            ..RiskInput::default()
        },
        RiskStatus::Open,
        "manual",
    )
    .await
    .expect("risk");
    let assessment = sra::start(app, op, slug, "2026", "")
        .await
        .expect("assessment");
    let task = tasks::create(
        app,
        op,
        slug,
        tasks::TaskInput {
            title: format!("{name} access review"),
            ..tasks::TaskInput::default()
        },
    )
    .await
    .expect("task");
    let control = controls::create(
        app,
        op,
        slug,
        controls::ControlInput {
            title: format!("{name} quarterly access review"),
            requirement_refs: vec!["164.308(a)(3)(ii)(B)".into()],
            ..controls::ControlInput::default()
        },
    )
    .await
    .expect("control");
    let mut upload = evidence::begin(app, op, slug, Some("access-review.txt"), None)
        .await
        .expect("upload");
    upload
        .write(format!("{name} access review signed off\n").as_bytes())
        .await
        .expect("write");
    let ev = upload
        .finish(
            app,
            op,
            &evidence::NewEvidence {
                title: format!("{name} access review sign-off"),
                links: vec![LinkTarget::Control(control.id)],
                ..evidence::NewEvidence::default()
            },
        )
        .await
        .expect("evidence");
    AreaIds {
        asset: asset.id.to_string(),
        risk: risk.id.to_string(),
        assessment: assessment.id.to_string(),
        task: task.id.to_string(),
        control: control.id.to_string(),
        evidence: ev.id.to_string(),
    }
}
