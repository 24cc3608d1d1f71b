//! Tiny hand-made tables and events for the rule tests.

use safeharbor_logreview::{Alert, Mapping, Rule, RuleSet, Summary, TableSources, review};

pub const DEPARTMENTS: &str = "department,dept_code,is_24x7,kind
Emergency,ED,1,clinical
Family Medicine,FM,0,clinical
Patient Financial Services,PFS,0,business
";

/// U1 and U2 work in Family Medicine, U3 in billing (terminated on 2025-01-10), U4 in the
/// Emergency department. U1 is also patient P1; P2 lives with U1 and shares the last name.
pub const WORKFORCE: &str = "user_id,user_name,first_name,last_name,dob,role,department,status,hire_date,termination_date,home_address,home_zip
U1,\"DOE, JANE\",JANE,DOE,1980-01-01,Registered Nurse,Family Medicine,active,2020-01-01,,1 OAK ST,62701
U2,\"ROE, RICK\",RICK,ROE,1975-05-05,Physician,Family Medicine,active,2019-01-01,,9 ELM ST,62702
U3,\"POE, PAT\",PAT,POE,1990-02-02,Billing Specialist,Patient Financial Services,terminated,2018-01-01,2025-01-10,5 PINE ST,62703
U4,\"LOE, LEE\",LEE,LOE,1985-03-03,Physician,Emergency,active,2018-01-01,,6 FIR ST,62704
";

pub const PATIENTS: &str =
    "patient_id,first_name,last_name,dob,sex,address,zip,vip_flag,date_of_death
P1,JANE,DOE,1980-01-01,F,1 OAK ST,62701,0,
P2,JOHN,DOE,1979-03-03,M,1 OAK ST,62701,0,
P3,ANNA,SMITH,1950-06-06,F,7 BAY RD,62704,1,
P4,MARK,JONES,1960-07-07,M,8 SEA RD,62705,0,
P5,OLD,GRAY,1930-01-01,M,3 HILL RD,62706,0,2025-01-05
P6,ANN,DOE,1980-01-01,F,2 OTHER ST,62701,0,
";

/// P4 was seen in Family Medicine on Monday 2025-01-06; P1 too.
pub const ENCOUNTERS: &str =
    "encounter_id,patient_id,department,provider_user_id,encounter_date,encounter_type
1,P4,Family Medicine,U2,2025-01-06,Office Visit
2,P1,Family Medicine,U2,2025-01-06,Office Visit
3,P5,Emergency,U4,2025-01-01,ED Visit
";

pub const EVENTS_HEADER: &str = "event_id,event_time,user_id,user_name,user_role,department,patient_id,patient_name,action,activity,workstation,ip_address,outcome\n";

/// An event in the reference layout; the user's role and department are the roster's (any
/// other user: a Family Medicine physician, like U2).
pub fn ev(id: u32, time: &str, user: &str, patient: &str, action: &str, outcome: &str) -> String {
    let (role, dept) = match user {
        "U1" => ("Registered Nurse", "Family Medicine"),
        "U3" => ("Billing Specialist", "Patient Financial Services"),
        "U4" => ("Physician", "Emergency"),
        _ => ("Physician", "Family Medicine"),
    };
    format!(
        "{id},{time},{user},\"X, Y\",{role},{dept},{patient},\"A, B\",{action},Chart Review,WS-1,10.0.0.1,{outcome}\n"
    )
}

/// A view that succeeded.
pub fn view(id: u32, time: &str, user: &str, patient: &str) -> String {
    ev(id, time, user, patient, "VIEW", "SUCCESS")
}

/// Runs a review of `events` (rows without the header) on the tables above.
pub fn run_with(events: &str, mapping: &Mapping, rules: RuleSet) -> (Vec<Alert>, Summary) {
    let log = format!("{EVENTS_HEADER}{events}");
    let tables = TableSources {
        departments: DEPARTMENTS.as_bytes(),
        workforce: WORKFORCE.as_bytes(),
        patients: PATIENTS.as_bytes(),
        encounters: ENCOUNTERS.as_bytes(),
    };
    let mut alerts = Vec::new();
    let summary = review(
        tables,
        log.as_bytes(),
        mapping,
        rules,
        |a| {
            alerts.push(a);
            Ok(())
        },
        |_| {},
    )
    .unwrap();
    (alerts, summary)
}

/// The alerts of `events` under every rule with default parameters.
pub fn run(events: &str) -> Vec<Alert> {
    run_with(events, &Mapping::default(), RuleSet::all()).0
}

/// (rule, event id) of the alerts of one rule.
pub fn of(alerts: &[Alert], rule: Rule) -> Vec<String> {
    alerts
        .iter()
        .filter(|a| a.rule == rule)
        .map(|a| a.event_id.clone())
        .collect()
}
