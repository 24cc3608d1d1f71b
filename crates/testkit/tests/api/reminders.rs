//! The reminders job: tasks for evidence about to expire and controls coming due, one e-mail
//! per organization with new tasks, once per run across servers (lease), never twice.

use std::sync::Mutex;

use reqwest::Method;
use safeharbor_core::clock::Clock;
use safeharbor_core::ports::{Mail, Mailer};
use safeharbor_core::reminders;
use safeharbor_testkit::spawn_app;
use serde_json::json;
use time::Duration;

#[derive(Default)]
struct Outbox(Mutex<Vec<Mail>>);

#[async_trait::async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: &Mail) -> safeharbor_core::Result<()> {
        self.0.lock().unwrap().push(mail.clone());
        Ok(())
    }
}

const ALPHA: &str = "/api/v1/orgs/alpha-clinic";

#[tokio::test]
async fn expiring_evidence_and_due_controls_become_tasks_and_one_mail_without_record_titles() {
    let app = spawn_app().await;
    // The clock stands at 2026-03-02. Evidence valid until 2026-03-20; a control due 2026-03-10.
    let ev = app
        .send_as(
            "alpha_admin",
            Method::POST,
            &format!("{ALPHA}/evidence"),
            &json!({"title": "Firewall review for Dr. Example's office", "url": "https://tickets.example/7", "valid_until": "2026-03-20"}),
        )
        .await;
    assert_eq!(ev.status, 201, "{}", ev.text);
    let control = &app.seed.area["alpha-clinic"].control;
    let r = app
        .send_as(
            "alpha_admin",
            Method::PUT,
            &format!("{ALPHA}/controls/{control}"),
            &json!({"title": "Quarterly access review", "next_due": "2026-03-10", "requirement_refs": ["164.308(a)(3)(ii)(B)"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let outbox = Outbox::default();
    let report = reminders::run(
        &app.app,
        Some(&outbox),
        "server-a",
        Some("https://sh.example"),
    )
    .await
    .unwrap();
    assert!(!report.skipped);
    assert_eq!(
        (report.evidence_tasks, report.control_tasks),
        (1, 1),
        "{report:?}"
    );
    let tasks = app.get_as("alpha_admin", &format!("{ALPHA}/tasks")).await;
    let titles: Vec<&str> = tasks
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Renew evidence: Firewall review for Dr. Example's office"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Perform control: Quarterly access review"),
        "{titles:?}"
    );
    {
        let sent = outbox.0.lock().unwrap();
        assert_eq!(sent.len(), 1, "one message, to alpha only");
        assert_eq!(sent[0].to, vec!["alpha.admin@example.com".to_owned()]);
        assert!(
            sent[0]
                .body
                .contains("https://sh.example/orgs/alpha-clinic/tasks")
        );
        assert!(
            !sent[0].body.contains("Dr. Example"),
            "no record titles in mail"
        );
    }
    // The lease was released at the end of the run: a manual run right after is not refused,
    // and opens nothing twice.
    let right_after = reminders::run(&app.app, Some(&outbox), "cli", None)
        .await
        .unwrap();
    assert!(!right_after.skipped);
    assert_eq!(right_after.evidence_tasks + right_after.control_tasks, 0);
    // While another server holds the lease, a run does nothing.
    let store = app.db.backend.store();
    assert!(
        store
            .take_job_lease(
                "reminders",
                "server-x",
                app.clock.now(),
                Duration::minutes(15)
            )
            .await
            .unwrap()
    );
    let other = reminders::run(&app.app, Some(&outbox), "server-b", None)
        .await
        .unwrap();
    assert!(other.skipped);
    app.clock.advance(Duration::hours(1));
    let again = reminders::run(&app.app, Some(&outbox), "server-b", None)
        .await
        .unwrap();
    assert!(!again.skipped);
    assert_eq!(
        (again.evidence_tasks, again.control_tasks, again.mails_sent),
        (0, 0, 0)
    );
    assert_eq!(outbox.0.lock().unwrap().len(), 1);
}
