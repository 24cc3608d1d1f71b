//! `safeharbor catalog ...` and `safeharbor report gap`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use safeharbor_core::{App, Caller, catalog, gap};

use crate::cli::{CatalogCommand, ExportFormat};

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn read(p: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
}

fn write_out(out: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match out {
        Some(p) => std::fs::write(p, bytes).with_context(|| format!("writing {}", p.display())),
        None => std::io::stdout()
            .write_all(bytes)
            .context("writing to standard output"),
    }
}

/// Runs a catalog command.
pub async fn run(app: &App, op: &Caller, cmd: CatalogCommand) -> anyhow::Result<()> {
    match cmd {
        CatalogCommand::List => {
            for f in catalog::frameworks(app, op).await? {
                let n = app.catalog().await?.requirements(&f.key).len();
                println!(
                    "{:<28} {:<12} {:<11} {:>5}  {}{}",
                    f.key,
                    f.version,
                    f.kind.as_str(),
                    n,
                    f.title,
                    if f.shipped { "" } else { " (imported)" }
                );
            }
        }
        CatalogCommand::Show {
            framework,
            reference,
        } => show(app, op, &framework, reference.as_deref()).await?,
        CatalogCommand::Export {
            framework,
            format,
            out,
        } => {
            let bytes = match format {
                ExportFormat::Oscal => {
                    let c = app.catalog().await?;
                    let doc = safeharbor_catalog::oscal::export(&c, &framework, app.now())
                        .ok_or(safeharbor_core::Error::NotFound)
                        .context("no such framework")?;
                    serde_json::to_vec_pretty(&doc)?
                }
                ExportFormat::Json => {
                    let (f, reqs) = catalog::framework(app, op, &framework)
                        .await
                        .context("no such framework")?;
                    serde_json::to_vec_pretty(&safeharbor_reports::catalog::to_json(&f, &reqs))?
                }
                ExportFormat::Csv => {
                    let (_, reqs) = catalog::framework(app, op, &framework)
                        .await
                        .context("no such framework")?;
                    safeharbor_reports::catalog::to_csv(&reqs).into_bytes()
                }
            };
            write_out(out.as_deref(), &bytes)?;
        }
        CatalogCommand::ImportEcfr { file } => {
            let r = catalog::import_ecfr(app, op, &file_name(&file), &read(&file)?).await?;
            println!(
                "Imported the official text of {} citations for {}.",
                r.citations, r.framework_key
            );
        }
        CatalogCommand::ImportOscal { file, key } => {
            let f =
                catalog::import_oscal(app, op, &file_name(&file), &read(&file)?, key.as_deref())
                    .await?;
            println!(
                "Imported {} version {} as framework {}.",
                f.title, f.version, f.key
            );
        }
        CatalogCommand::ImportBaseline {
            file,
            key,
            title,
            list_version,
        } => {
            let f = catalog::import_baseline(
                app,
                op,
                &file_name(&file),
                &read(&file)?,
                &key,
                &title,
                &list_version,
            )
            .await?;
            println!("Imported baseline {} version {}.", f.key, f.version);
        }
    }
    Ok(())
}

/// `safeharbor report gap --org SLUG --out FILE`.
pub async fn gap_report(app: &App, op: &Caller, org: &str, out: &Path) -> anyhow::Result<()> {
    let report = gap::report(app, op, org).await?;
    let bytes = if out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        safeharbor_reports::gap::gap_csv(&report).into_bytes()
    } else {
        safeharbor_reports::pdf::gap_pdf(&report, app.now())?
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!("Wrote {}", out.display());
    Ok(())
}

/// `report sra`: the security risk assessment report.
pub async fn sra_report(
    app: &App,
    op: &Caller,
    org: &str,
    out: &Path,
    period: Option<&str>,
    part: &str,
) -> anyhow::Result<()> {
    use safeharbor_core::sra;
    let id = match period {
        None => sra::current_id(app, op, org).await?,
        Some(p) => sra::list(app, op, org)
            .await?
            .into_iter()
            .find(|a| a.period == p)
            .map(|a| a.id)
            .ok_or_else(|| {
                safeharbor_core::Error::invalid(
                    "period",
                    "no assessment of this organization has this period",
                )
            })?,
    };
    let v = sra::report(app, op, org, id).await?;
    let csv = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let bytes = if csv {
        match part {
            "risks" => safeharbor_reports::sra::risks_csv(&v.doc),
            "assets" => safeharbor_reports::sra::assets_csv(&v.doc),
            "questionnaire" => safeharbor_reports::sra::questionnaire_csv(&v.doc),
            "plan" => safeharbor_reports::sra::plan_csv(&v.doc),
            _ => {
                return Err(safeharbor_core::Error::invalid(
                    "part",
                    "must be risks, assets, questionnaire or plan",
                )
                .into());
            }
        }
        .into_bytes()
    } else {
        safeharbor_reports::sra::sra_pdf(&v.doc, app.now())?
    };
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
    println!(
        "Wrote {} (assessment {}, {})",
        out.display(),
        v.doc.assessment.period,
        v.doc.assessment.status.label().to_lowercase()
    );
    Ok(())
}

async fn show(
    app: &App,
    op: &Caller,
    framework: &str,
    reference: Option<&str>,
) -> anyhow::Result<()> {
    let Some(r) = reference else {
        let (_, reqs) = catalog::framework(app, op, framework).await?;
        for r in reqs {
            println!(
                "{:<28} {:<20} {:<11} {}",
                r.reference,
                r.kind.as_str(),
                r.designation.map_or("", |d| d.as_str()),
                r.title
            );
        }
        return Ok(());
    };
    let v = catalog::requirement(app, op, framework, r).await?;
    let q = &v.requirement;
    println!(
        "{} {}\n{}{}",
        q.reference,
        q.title,
        q.kind.label(),
        q.designation
            .map(|d| format!(" ({})", d.as_str()))
            .unwrap_or_default()
    );
    if let Some(s) = &q.summary {
        println!("\nSummary: {s}");
    }
    if let Some(g) = &q.guidance {
        println!("\nGuidance: {g}");
    }
    if let Some(t) = &v.official_text {
        println!("\nOfficial text ({}):\n{}", t.source, t.body);
    }
    for m in &v.maps_to {
        println!(
            "  maps to {}:{} ({}) {}",
            m.mapping.to.framework,
            m.mapping.to.reference,
            m.mapping.relation.as_str(),
            m.other_title
        );
    }
    for p in &v.protocol_items {
        println!("  tested by {} {}", p.reference, p.title);
    }
    Ok(())
}
