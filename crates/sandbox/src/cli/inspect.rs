//! `partner-sandbox inspect`: the state of a running `serve`'s fakes, as
//! tables or JSON.

use clap::Args;
use partner_sdk_sandbox::admin::AdminClient;
use serde_json::{Map, Value};

use super::{Base, Provider};

#[derive(Debug, Args)]
pub(crate) struct Inspect {
    #[command(flatten)]
    base: Base,
    /// Only this fake (all five by default).
    #[arg(long, value_enum)]
    provider: Option<Provider>,
    /// Prints one JSON object, keyed by fake, instead of tables.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(args: Inspect) -> Result<(), String> {
    let providers = match args.provider {
        Some(p) => vec![p],
        None => Provider::ALL.to_vec(),
    };
    let mut all = Map::new();
    for provider in providers {
        let port = provider.port(args.base.base);
        let state = AdminClient::local(port).state().await.map_err(|e| {
            format!(
                "{e} (is `partner-sandbox serve --port {}` running?)",
                args.base.base
            )
        })?;
        if !args.json {
            print_tables(provider, port, &state);
        }
        all.insert(provider.name().to_owned(), state);
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&Value::Object(all)).unwrap_or_default()
        );
    }
    Ok(())
}

/// At most this many columns per table, and characters per cell.
const MAX_COLUMNS: usize = 8;
const MAX_CELL: usize = 40;

fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX_CELL {
        let cut: String = text.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn print_tables(provider: Provider, port: u16, state: &Value) {
    println!("== {} (http://127.0.0.1:{port})", provider.name());
    let Some(fields) = state.as_object() else {
        println!("{}", cell(state));
        return;
    };
    for (name, value) in fields.iter().filter(|(k, _)| *k != "provider") {
        match value {
            Value::Array(rows) if rows.is_empty() => println!("{name}: none"),
            Value::Array(rows) => {
                println!("{name}: {}", rows.len());
                print_table(rows);
            }
            other => println!("{name}: {}", cell(other)),
        }
    }
    println!();
}

/// Columns shown first when a record has them: ids, then what happened.
const FIRST: [&str; 14] = [
    "id",
    "transaction_id",
    "transactionId",
    "external_id",
    "submissionId",
    "application_id",
    "status",
    "attempt",
    "response_status",
    "fault",
    "method",
    "path_contains",
    "times",
    "financed_amount",
];

fn print_table(rows: &[Value]) {
    let mut keys: Vec<&str> = Vec::new();
    for row in rows {
        for key in row.as_object().into_iter().flat_map(|o| o.keys()) {
            if !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
    }
    let rank = |k: &&str| FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len());
    keys.sort_by_key(rank);
    let columns: Vec<&str> = keys.into_iter().take(MAX_COLUMNS).collect();
    if columns.is_empty() {
        for row in rows {
            println!("  {}", cell(row));
        }
        return;
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| columns.iter().map(|c| cell(&row[*c])).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        println!("  {}", padded.join("  ").trim_end());
    };
    line(columns.clone());
    for row in &cells {
        line(row.iter().map(String::as_str).collect());
    }
}
