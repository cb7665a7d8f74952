//! The command line: parsing arguments and wiring them to the library. No logic lives here.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kvtrail::report::export::{self, ExportFormat};
use kvtrail::report::stats::Stats;
use kvtrail::store::load::{self, LoadReport};
use kvtrail::store::{Progress, Store};
use kvtrail::text::sanitize;

#[derive(Parser)]
#[command(name = "kvtrail", version, about = "Who accessed this Key Vault, from where, and what did they take?")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Open the bundled demo dataset (a tabletop scenario among benign traffic).
    #[command(after_help = "Examples:\n  kvtrail demo\n  kvtrail demo --json")]
    Demo(DemoArgs),
    /// Per input: detected format and accepted / rejected / duplicate counts; time range; top values per pivot.
    #[command(
        after_help = "Examples:\n  kvtrail stats PT1H.json\n  kvtrail stats insights-logs-auditevent/ --json\n  \
        az monitor log-analytics query -w $WS --analytics-query 'AzureDiagnostics' | kvtrail stats -\n  \
        kvtrail stats --strict export.csv.gz   # exit 1 if any record was rejected"
    )]
    Stats(StatsArgs),
    /// Write the normalized events, optionally filtered, as NDJSON, JSON or CSV.
    #[command(after_help = "Filters (repeatable; values of one name OR together, names AND together):\n  \
        caller_ip|ip, identity, vault, operation|op, object, user_agent|ua, status  NAME=VALUE[,VALUE…] or NAME!=VALUE\n  \
        since=TIME, until=TIME, outcome=success|failure|unknown, text=SUBSTRING\n\n\
        Examples:\n  kvtrail export logs/ --format ndjson --filter vault=kv-payments-prod --filter op=SecretGet\n  \
        kvtrail export logs/ --format csv --filter outcome=failure --filter since=2026-10-02T00:00:00Z -o denied.csv\n  \
        kvtrail export logs/ --format json --filter 'identity!=alice@contoso.com'")]
    Export(ExportArgs),
    /// Write synthetic Key Vault traffic (benchmarks, tests, the demo dataset).
    Gen(kvtrail::generate::GenArgs),
}

#[derive(Args)]
struct DemoArgs {
    /// Print the demo dataset's stats as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct StatsArgs {
    /// Files, directories (read recursively) or `-` for stdin; gzip is read transparently.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// Print JSON (the documented `stats` contract) instead of text.
    #[arg(long)]
    json: bool,
    /// How many top values to list per pivot.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Exit with status 1 if any record or input was rejected.
    #[arg(long)]
    strict: bool,
}

#[derive(Args)]
struct ExportArgs {
    /// Files, directories (read recursively) or `-` for stdin; gzip is read transparently.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// Output format.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Keep only matching events (see below). Repeatable.
    #[arg(long = "filter", value_name = "EXPR")]
    filters: Vec<String>,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<String>,
    /// Exit with status 1 if any record or input was rejected.
    #[arg(long)]
    strict: bool,
}

/// Exit status: 0 success, 1 rejected input under `--strict` (or nothing readable), 2 usage error.
fn status(report: &LoadReport, strict: bool) -> ExitCode {
    let unreadable = !report.inputs.is_empty() && report.inputs.iter().all(|i| i.format == "unreadable");
    if unreadable || (strict && report.rejected() > 0) { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn print_stats(store: &Store, report: &LoadReport, json: bool, top: usize) -> io::Result<()> {
    let stats = Stats::compute(store, report, top);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if json {
        stats.write_json(&mut out)?
    } else {
        stats.write_text(report, &mut out)?
    }
    out.flush()
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => {
            let (store, report) = load::load(kvtrail::demo::sources()?, Vec::new(), &Progress::default());
            print_stats(&store, &report, args.json, 10)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats(args) => {
            let (store, report) = load::load_paths(&args.inputs, &Progress::default());
            print_stats(&store, &report, args.json, args.top)?;
            Ok(status(&report, args.strict))
        }
        Command::Export(args) => {
            let (store, report) = load::load_paths(&args.inputs, &Progress::default());
            let (filter, warnings) = match store.parse_filters(&args.filters) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("kvtrail: {}", sanitize(&e.to_string()));
                    return Ok(ExitCode::from(2));
                }
            };
            for w in warnings {
                eprintln!("kvtrail: warning: {}", sanitize(&w));
            }
            for r in report.rejections().take(20) {
                eprintln!("kvtrail: rejected {}:{}: {}", sanitize(&r.source), r.line, sanitize(&r.reason));
            }
            if report.rejected() > 20 {
                eprintln!("kvtrail: … {} rejected in all (kvtrail stats lists them)", report.rejected());
            }
            let selection = store.select(&filter);
            let mut out: Box<dyn Write> = match &args.out {
                Some(path) => Box::new(BufWriter::new(File::create(path)?)),
                None => Box::new(BufWriter::new(io::stdout().lock())),
            };
            export::write(&store, &selection, args.format, &mut out)?;
            Ok(status(&report, args.strict))
        }
        Command::Gen(args) => {
            kvtrail::generate::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`kvtrail export … | head`) is not an error worth a message.
            if e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
                return ExitCode::SUCCESS;
            }
            eprintln!("kvtrail: {}", sanitize(&format!("{e:#}")));
            ExitCode::from(1)
        }
    }
}
