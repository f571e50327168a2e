//! CloudWatch metrics as Embedded Metric Format log lines: a JSON object
//! printed on its own line to stdout, which Lambda ships to CloudWatch
//! Logs, where it becomes a metric without any API call (no PutMetricData
//! permission, no latency on the handler's path).

/// The namespace the Terraform monitoring module alarms on.
pub const NAMESPACE: &str = "Tasklane";

/// One EMF line: `metrics` (name, count) under dimension `Function`.
pub fn line(function: &str, metrics: &[(&str, f64)], timestamp_ms: i64) -> String {
    let mut root = serde_json::Map::new();
    root.insert(
        "_aws".into(),
        serde_json::json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Function"]],
                "Metrics": metrics
                    .iter()
                    .map(|(name, _)| serde_json::json!({ "Name": name, "Unit": "Count" }))
                    .collect::<Vec<_>>(),
            }],
        }),
    );
    root.insert("Function".into(), function.into());
    for (name, value) in metrics {
        root.insert((*name).into(), (*value).into());
    }
    serde_json::Value::Object(root).to_string()
}

/// Prints one EMF line for this invocation.
pub fn emit(function: &str, metrics: &[(&str, f64)]) {
    let now = time::OffsetDateTime::now_utc();
    let ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    println!("{}", line(function, metrics, ms));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_what_cloudwatch_parses() {
        let l = line(
            "email-formatter",
            &[("EmailsSent", 3.0), ("EmailsFailed", 0.0)],
            1_700_000_000_000,
        );
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        assert!(!l.contains('\n'));
        assert_eq!(
            v,
            serde_json::json!({
                "_aws": {
                    "Timestamp": 1_700_000_000_000i64,
                    "CloudWatchMetrics": [{
                        "Namespace": "Tasklane",
                        "Dimensions": [["Function"]],
                        "Metrics": [
                            { "Name": "EmailsSent", "Unit": "Count" },
                            { "Name": "EmailsFailed", "Unit": "Count" }
                        ]
                    }]
                },
                "Function": "email-formatter",
                "EmailsSent": 3.0,
                "EmailsFailed": 0.0
            })
        );
    }
}
