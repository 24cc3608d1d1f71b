//! Benchmark of the breach engine on one thread: generates varied cases (every branch of the
//! rule: exclusions, encryption, destruction, risk assessments, business associates, holds,
//! substitute notice, thresholds around 500), then times `breach::assess` over them.
//!
//! Same-run baselines: building and checking the cases (`Case::new`), and a pass over the
//! same cases doing only the 60-day date arithmetic, the floor any engine pays. A sample also
//! goes through the JSON path of `safeharbor breach assess` (read, check, assess, write).
//!
//! `cargo run --release -p safeharbor-domain --example breach_bench -- [CASES] [ROUNDS]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use safeharbor_domain::breach::{
    self, BreachInput, Case, Conclusion, DelayKind, Discoverer, Exclusion, FourFactor,
    LawEnforcementDelay, StateCode,
};
use time::Date;
use time::macros::date;

const TODAY: Date = date!(2026 - 07 - 15);

/// splitmix64: a small, fast generator, so the benchmark needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const METHODS: &[&str] = &[
    "cross-cut shredded",
    "purged per NIST SP 800-88",
    "redacted",
    "deleted",
];
const EXCLUSIONS: &[Exclusion] = Exclusion::ALL;

fn generate(rng: &mut Rng, factors: &FourFactor) -> BreachInput {
    let first = date!(2010 - 01 - 01).to_julian_day();
    let span = u64::try_from(TODAY.to_julian_day() - first).unwrap_or(1);
    let day = first + i32::try_from(rng.below(span)).unwrap_or(0);
    let discovered = Date::from_julian_day(day).unwrap_or(TODAY);
    let mut c = BreachInput::new(discovered);
    // Counts cluster around the 500 thresholds.
    let n = if rng.chance(50) {
        490 + rng.below(20)
    } else {
        rng.below(5000)
    };
    c.individuals = rng.chance(95).then_some(n);
    let mut left = n;
    for _ in 0..rng.below(4) {
        let code = StateCode::ALL[usize::try_from(rng.below(56)).unwrap_or(0)];
        if c.states.iter().any(|(s, _)| *s == code) {
            continue;
        }
        let k = rng.below(left + 1);
        left -= k;
        c.states.push((code, k));
    }
    if rng.chance(30) {
        c.discovered_by = Discoverer::BusinessAssociate;
        c.baa_notice_days = rng.chance(50).then(|| rng.below(90));
    }
    c.encrypted = rng.chance(20);
    c.encryption_standard_met = c.encrypted && rng.chance(50);
    c.key_compromised = c.encrypted && rng.chance(20);
    c.destroyed = rng.chance(10);
    if c.destroyed {
        let m = METHODS[usize::try_from(rng.below(4)).unwrap_or(0)];
        c.destruction_method = Some(m.to_owned());
    }
    if rng.chance(15) {
        c.exclusion_claimed = Some(EXCLUSIONS[usize::try_from(rng.below(3)).unwrap_or(0)]);
        c.further_impermissible_use = rng.chance(50);
    }
    if rng.chance(25) {
        c.four_factor = Some(factors.clone());
        c.risk_assessment_conclusion = Some(if rng.chance(50) {
            Conclusion::LowProbability
        } else {
            Conclusion::NotLow
        });
    }
    c.insufficient_contact_info = rng.chance(30).then(|| rng.below(n.min(30) + 1));
    if rng.chance(20) {
        let requested = Date::from_julian_day(day + i32::try_from(rng.below(90)).unwrap_or(0))
            .unwrap_or(discovered)
            .min(TODAY);
        let written = rng.chance(50);
        c.law_enforcement_delay = Some(LawEnforcementDelay {
            kind: if written {
                DelayKind::Written
            } else {
                DelayKind::Oral
            },
            requested,
            days_requested: (written || rng.chance(50)).then(|| rng.below(120)),
        });
    }
    c
}

fn rate(n: usize, d: Duration) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "a rate for people to read")]
    let n = n as f64;
    n / d.as_secs_f64()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let factors = FourFactor {
        nature_extent: Some("names and dates of service; no SSN".into()),
        recipient: Some("a covered entity bound by HIPAA".into()),
        acquired_or_viewed: Some("returned sealed; forensic review shows no access".into()),
        mitigation: Some("written attestation of destruction obtained".into()),
    };

    let mut rng = Rng(0x5AFE_4A7B_0000_0016);
    let t = Instant::now();
    let cases: Vec<Case> = (0..n)
        .filter_map(|_| Case::new(generate(&mut rng, &factors), TODAY).ok())
        .collect();
    let build = t.elapsed();
    let m = cases.len();
    println!(
        "cases: {m} generated and checked in {build:.2?} ({:.0}/s; the input baseline)",
        rate(m, build)
    );

    let mut best_assess = Duration::MAX;
    let mut best_floor = Duration::MAX;
    let mut breaches = 0usize;
    for round in 1..=rounds {
        let t = Instant::now();
        let mut floor = 0i64;
        for c in &cases {
            let d = black_box(c).input().discovered + time::Duration::days(60);
            floor = floor.wrapping_add(i64::from(d.to_julian_day()));
        }
        black_box(floor);
        let floor_time = t.elapsed();

        let t = Instant::now();
        let mut sum = 0usize;
        breaches = 0;
        for c in &cases {
            let d = breach::assess(black_box(c));
            sum = sum.wrapping_add(d.basis.len() + d.citations.len());
            breaches += usize::from(d.is_breach);
        }
        black_box(sum);
        let took = t.elapsed();
        println!(
            "round {round}: assess {:>10.0} cases/s ({:.0} ns/case); date-only floor {:.0} cases/s",
            rate(m, took),
            took.as_secs_f64() * 1e9 / f64::from(u32::try_from(m).unwrap_or(u32::MAX)),
            rate(m, floor_time),
        );
        best_assess = best_assess.min(took);
        best_floor = best_floor.min(floor_time);
    }
    println!(
        "best: assess {:.0} cases/s on one thread ({breaches} of {m} breaches); \
         date-only floor {:.0} cases/s; assess costs {:.1}x the floor",
        rate(m, best_assess),
        rate(m, best_floor),
        best_assess.as_secs_f64() / best_floor.as_secs_f64(),
    );

    // The command line's path: JSON in, checked, assessed, JSON out.
    let sample: Vec<String> = cases
        .iter()
        .take(100_000)
        .filter_map(|c| serde_json::to_string(c.input()).ok())
        .collect();
    let t = Instant::now();
    let mut bytes = 0usize;
    for s in &sample {
        bytes += breach::assess_json(black_box(s), TODAY).map_or(0, |o| o.len());
    }
    black_box(bytes);
    println!(
        "json path (read, check, assess, write): {:.0} cases/s over {} cases",
        rate(sample.len(), t.elapsed()),
        sample.len()
    );
}
