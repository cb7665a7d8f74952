//! The command line: parsing arguments and wiring them to the library. No logic lives here.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kvtrail::config::Config;
use kvtrail::detect::{self, RuleSet, Severity};
use kvtrail::intel::{AllowList, Intel};
use kvtrail::report::export::{self, ExportFormat};
use kvtrail::report::findings::Report;
use kvtrail::report::stats::Stats;
use kvtrail::store::load::{self, LoadReport};
use kvtrail::store::{Progress, Store};
use kvtrail::text::sanitize;
use kvtrail::tui;
use kvtrail::tui::keymap::Keymap;
use kvtrail::tui::run::{Inputs, Options};
use kvtrail::tui::theme::{Theme, ThemeName};

#[derive(Parser)]
#[command(
    name = "kvtrail",
    version,
    about = "Who accessed this Key Vault, from where, and what did they take?",
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  kvtrail demo                         # the workbench on the bundled tabletop dataset\n  \
    kvtrail insights-logs-auditevent/    # the workbench on exported logs (files, directories, gzip)\n  \
    kvtrail export.json --keymap vim --theme 256\n  kvtrail stats PT1H.json --json"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Open these inputs in the workbench: files, directories (read recursively) or `-` for stdin.
    #[arg(value_name = "INPUT")]
    inputs: Vec<String>,
    #[command(flatten)]
    tui: TuiArgs,
}

/// How the workbench looks and listens.
#[derive(Args, Clone)]
struct TuiArgs {
    /// Keymap: a shipped preset (default, vim, emacs, demo) or a TOML file. Without it,
    /// $XDG_CONFIG_HOME/kvtrail/keymap.toml is used when present.
    #[arg(long, value_name = "NAME|FILE")]
    keymap: Option<String>,
    /// Colours: auto (16 ANSI colours; none when NO_COLOR is set), 16, 256 or mono.
    #[arg(long, default_value = "auto", value_name = "THEME")]
    theme: String,
    /// Let the mouse focus panes, select rows and scroll (off by default: it breaks terminal text selection).
    #[arg(long)]
    mouse: bool,
    #[command(flatten)]
    detect: DetectArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Open the bundled demo dataset (a tabletop scenario among benign traffic).
    #[command(
        after_help = "Examples:\n  kvtrail demo\n  kvtrail demo --keymap demo   # presenter keys: arrows, Enter, Esc, a few letters\n  kvtrail demo --json"
    )]
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
    /// Run the detections (KV-01…KV-30) and write the findings, incidents and objects to rotate.
    #[command(
        after_help = "Exit status: 0 done, 1 unreadable input (or rejected input under --strict), 2 usage error \
        (bad rule or intel file), 3 a finding at or above --fail-on.\n\n\
        Examples:\n  kvtrail report assets/demo --format json\n  \
        kvtrail report logs/ --intel ~/intel --format markdown --min-severity medium > report.md\n  \
        kvtrail report logs/ --rules my-rules.toml --allow allowlist.toml --fail-on high   # exit 3 on high or critical"
    )]
    Report(ReportArgs),
    /// Write synthetic Key Vault traffic (benchmarks, tests, the demo dataset).
    Gen(kvtrail::generate::GenArgs),
    /// Keymaps: validate a keymap file and print the merged bindings.
    #[command(
        after_help = "Examples:\n  kvtrail keymap check ~/.config/kvtrail/keymap.toml\n  kvtrail keymap check vim"
    )]
    Keymap {
        #[command(subcommand)]
        command: KeymapCommand,
    },
}

#[derive(Subcommand)]
enum KeymapCommand {
    /// Validate FILE (or a preset name) and print the merged map; exit 2 with FILE:LINE and the reason if invalid.
    Check {
        #[arg(value_name = "FILE")]
        file: String,
    },
}

#[derive(Args)]
struct DemoArgs {
    /// Print the demo dataset's stats as JSON instead of opening the workbench.
    #[arg(long)]
    json: bool,
    /// Print the demo dataset's stats as text instead of opening the workbench.
    #[arg(long)]
    stats: bool,
    #[command(flatten)]
    tui: TuiArgs,
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

/// Where the detections get their reference data, extra rules and allow-list.
#[derive(Args, Clone, Default)]
struct DetectArgs {
    /// Reference data: a directory with ServiceTags_Public_*.json, Tor exit lists, GeoLite2 .mmdb, a threat-intel
    /// list, a watchlist, allow-lists (README, "Detections"). Default: an `intel/` directory inside an input
    /// directory, if there is one, else `intel` in the configuration file ($XDG_CONFIG_HOME/kvtrail/config.toml).
    #[arg(long, value_name = "DIR")]
    intel: Option<String>,
    /// Rules in the catalogue's TOML format: add rules, or replace built-in ones (same id and form) to change
    /// thresholds. Repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    rules: Vec<String>,
    /// Allow-list (TOML) of identities, app ids, addresses and rules whose findings are suppressed.
    #[arg(long, value_name = "FILE")]
    allow: Option<String>,
}

#[derive(Args)]
struct ReportArgs {
    /// Files, directories (read recursively) or `-` for stdin; gzip is read transparently.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    #[arg(long, value_enum, default_value = "markdown")]
    format: ReportFormat,
    /// Leave out findings below this severity (low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity)]
    min_severity: Severity,
    /// Exit with status 3 if a finding at or above this severity exists.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    #[command(flatten)]
    detect: DetectArgs,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<String>,
    /// Exit with status 1 if any record or input was rejected.
    #[arg(long)]
    strict: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ReportFormat {
    Json,
    Markdown,
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text).ok_or_else(|| format!("`{text}` is not a severity (low, medium, high, critical)"))
}

/// The reference data and rules the detections run with: the command line first, then an `intel/` directory
/// inside an input directory, then the configuration file. Any problem is a usage error naming file and line.
fn detection_setup(args: &DetectArgs, inputs: &[String]) -> Result<(Intel, RuleSet), String> {
    let config = Config::load().map_err(|e| e.to_string())?;
    let dir = args
        .intel
        .clone()
        .map(PathBuf::from)
        .or_else(|| kvtrail::ingest::source::intel_dirs(inputs).into_iter().next())
        .or(config.intel);
    let mut intel = match dir {
        Some(d) => Intel::load_dir(&d).map_err(|e| e.to_string())?,
        None => Intel::default(),
    };
    for file in config.allow.into_iter().chain(args.allow.iter().map(PathBuf::from)) {
        let shown = file.display().to_string();
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{shown}: {e}"))?;
        let list = AllowList::parse(&text, &shown).map_err(|e| e.to_string())?;
        match &mut intel.allow {
            Some(existing) => existing.merge(list),
            None => intel.allow = Some(list),
        }
    }
    let mut files = Vec::new();
    for file in config.rules.into_iter().chain(args.rules.iter().map(PathBuf::from)) {
        let shown = file.display().to_string();
        files.push((shown.clone(), std::fs::read_to_string(&file).map_err(|e| format!("{shown}: {e}"))?));
    }
    let rules = RuleSet::with_files(&files).map_err(|e| e.to_string())?;
    Ok((intel, rules))
}

/// Where `-o FILE` (or standard output) writes, buffered.
fn output(path: Option<&str>) -> io::Result<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(BufWriter::new(File::create(path)?)),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
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

/// Opens the workbench; usage problems (a bad keymap, an unknown theme, no terminal) exit 2.
fn workbench(inputs: Inputs, args: &TuiArgs) -> anyhow::Result<ExitCode> {
    let paths = match &inputs {
        Inputs::Paths(p) => p.clone(),
        Inputs::Demo => Vec::new(),
    };
    let usage = |msg: String| {
        eprintln!("kvtrail: {}", sanitize(&msg));
        Ok(ExitCode::from(2))
    };
    let keymap = match Keymap::load(args.keymap.as_deref()) {
        Ok(k) => k,
        Err(e) => return usage(e.to_string()),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let Some(theme) = ThemeName::parse(&args.theme, no_color) else {
        return usage(format!("unknown theme `{}` (auto, 16, 256, mono)", args.theme));
    };
    let (mut intel, rules) = match detection_setup(&args.detect, &paths) {
        Ok(setup) => setup,
        Err(e) => return usage(e),
    };
    // The demo brings its own reference data unless the analyst names some.
    if matches!(inputs, Inputs::Demo) && args.detect.intel.is_none() {
        let allow = intel.allow.take();
        intel = kvtrail::demo::intel()?;
        intel.allow = allow;
    }
    if !io::stdout().is_terminal() {
        return usage("the workbench needs a terminal; `kvtrail stats` and `kvtrail export` work without one".into());
    }
    let (intel, rules) = (std::sync::Arc::new(intel), std::sync::Arc::new(rules));
    tui::run::run(inputs, Options { keymap, theme: Theme::new(theme), mouse: args.mouse, intel, rules })?;
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        if cli.inputs.is_empty() {
            eprintln!("kvtrail: name the logs to open (files, directories, -), or try `kvtrail demo`; see --help");
            return Ok(ExitCode::from(2));
        }
        return workbench(Inputs::Paths(cli.inputs), &cli.tui);
    };
    match command {
        Command::Demo(args) if args.json || args.stats => {
            let (store, report) = load::load(kvtrail::demo::sources()?, Vec::new(), &Progress::default());
            print_stats(&store, &report, args.json, 10)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => workbench(Inputs::Demo, &args.tui),
        Command::Keymap { command: KeymapCommand::Check { file } } => match tui::keymap::check(&file) {
            Ok(text) => {
                print!("{text}");
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!("kvtrail: {}", sanitize(&e.to_string()));
                Ok(ExitCode::from(2))
            }
        },
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
            let mut out = output(args.out.as_deref())?;
            export::write(&store, &selection, args.format, &mut out)?;
            Ok(status(&report, args.strict))
        }
        Command::Report(args) => {
            let (intel, rules) = match detection_setup(&args.detect, &args.inputs) {
                Ok(setup) => setup,
                Err(e) => {
                    eprintln!("kvtrail: {}", sanitize(&e));
                    return Ok(ExitCode::from(2));
                }
            };
            for w in &intel.warnings {
                eprintln!("kvtrail: intel: {}", sanitize(w));
            }
            let (store, report) = load::load_paths(&args.inputs, &Progress::default());
            let detections = detect::run(&store, &intel, &rules);
            let doc = Report::build(&store, &report, &detections, args.min_severity)?;
            let mut out = output(args.out.as_deref())?;
            match args.format {
                ReportFormat::Json => doc.write_json(&mut out)?,
                ReportFormat::Markdown => doc.write_markdown(&mut out)?,
            }
            out.flush()?;
            if args.fail_on.is_some_and(|s| detections.count_at_least(s) > 0) {
                return Ok(ExitCode::from(3));
            }
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
