//! CloudWatch metrics as Embedded Metric Format (EMF) log lines.
//!
//! Why EMF and not `PutMetricData`: a Lambda's stdout already goes to
//! CloudWatch Logs, which extracts the metrics from the line itself, so
//! publishing one costs no request, no IAM action and no latency, and the
//! number sits next to the log lines that explain it.
//!
//! Every metric is a `Count` under namespace [`NAMESPACE`] with the single
//! dimension `Function`: that is what the alarms and dashboards key on, and
//! one shape for all functions keeps them one Terraform pattern.

use serde_json::{json, Map, Value};

/// The CloudWatch namespace of every tasklane metric.
pub const NAMESPACE: &str = "Tasklane";

/// The one dimension: which function (`reminders`, `email-formatter`, …).
pub const DIMENSION: &str = "Function";

/// The EMF line for `metrics` of `function` at `timestamp_ms` (Unix
/// milliseconds). Pure, so its exact shape is testable.
///
/// Non-finite values are left out: CloudWatch rejects the whole line if
/// one is present, and a metric missing for one invocation is better than
/// all of them lost.
pub fn line(function: &str, metrics: &[(&str, f64)], timestamp_ms: i64) -> String {
    let kept: Vec<&(&str, f64)> = metrics.iter().filter(|(_, v)| v.is_finite()).collect();
    let definitions: Vec<Value> = kept
        .iter()
        .map(|(name, _)| json!({ "Name": name, "Unit": "Count" }))
        .collect();
    let mut root = Map::new();
    root.insert(
        "_aws".to_owned(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [[DIMENSION]],
                "Metrics": definitions,
            }],
        }),
    );
    root.insert(DIMENSION.to_owned(), Value::from(function));
    for (name, value) in kept {
        root.insert((*name).to_owned(), Value::from(*value));
    }
    Value::Object(root).to_string()
}

/// Prints the EMF line for `metrics` of `function`, now, as one line on
/// stdout (where the Lambda runtime sends it to CloudWatch Logs). Call it
/// once per invocation with every metric of that invocation.
pub fn emit(function: &str, metrics: &[(&str, f64)]) {
    use std::io::Write;
    let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let text = line(function, metrics, now_ms);
    // One write of the whole line, so a concurrent log line cannot split it.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_is_the_emf_shape_cloudwatch_extracts() {
        let got = line(
            "reminders",
            &[("RemindersSent", 3.0), ("RemindersFailed", 0.0)],
            1_700_000_000_123,
        );
        assert!(!got.contains('\n'), "one line: {got}");
        // Compared as JSON, not text: key order is serde_json's business
        // (a `preserve_order` feature enabled elsewhere would change it).
        let got: Value = serde_json::from_str(&got).expect("JSON");
        let want = json!({
            "_aws": {
                "Timestamp": 1_700_000_000_123_i64,
                "CloudWatchMetrics": [{
                    "Namespace": "Tasklane",
                    "Dimensions": [["Function"]],
                    "Metrics": [
                        { "Name": "RemindersSent", "Unit": "Count" },
                        { "Name": "RemindersFailed", "Unit": "Count" },
                    ],
                }],
            },
            "Function": "reminders",
            "RemindersSent": 3.0,
            "RemindersFailed": 0.0,
        });
        assert_eq!(got, want);
    }

    #[test]
    fn non_finite_values_are_left_out_of_definitions_and_values() {
        let got: Value = serde_json::from_str(&line(
            "email-formatter",
            &[("EmailsSent", f64::NAN), ("EmailsFailed", 2.0)],
            0,
        ))
        .expect("JSON");
        assert_eq!(got["Function"], "email-formatter");
        assert!(got.get("EmailsSent").is_none(), "{got}");
        assert_eq!(got["EmailsFailed"], 2.0);
        assert_eq!(
            got["_aws"]["CloudWatchMetrics"][0]["Metrics"],
            json!([{ "Name": "EmailsFailed", "Unit": "Count" }])
        );
    }
}
