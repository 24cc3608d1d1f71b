//! Iteration helper: reviews a directory written by the reference generator.
//! `cargo run --release -p safeharbor-logreview --example review_dir -- DIR OUT.csv`

use std::fs::File;
use std::io::BufWriter;
use std::process::ExitCode;

use safeharbor_logreview::{AlertCsv, Mapping, Rule, RuleSet, TableSources, review};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: review_dir DIR OUT.csv");
        return ExitCode::from(2);
    };
    match run(dir, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(dir: &str, out: &str) -> Result<(), Box<dyn std::error::Error>> {
    let open = |name: &str| File::open(format!("{dir}/{name}"));
    let tables = TableSources {
        departments: open("departments.csv")?,
        workforce: open("workforce.csv")?,
        patients: open("patients.csv")?,
        encounters: open("encounters.csv")?,
    };
    let mut w = AlertCsv::new(BufWriter::new(File::create(out)?))?;
    let s = review(
        tables,
        open("access_log.csv")?,
        &Mapping::default(),
        RuleSet::all(),
        |a| w.write(&a),
        |_| {},
    )?;
    w.finish()?;
    println!("{} events", s.counts.events);
    for r in Rule::ALL {
        println!("{:>22} {}", r.name(), s.counts.alerts[r.index()]);
    }
    Ok(())
}
