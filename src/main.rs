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
use kvtrail::source::auth::{AuthMethod, AuthOptions};
use kvtrail::source::cloud::{self, Cloud};
use kvtrail::source::loganalytics::fetch::{Gap, Request, Tables};
use kvtrail::source::loganalytics::follow::Follow;
use kvtrail::source::loganalytics::kql::Table;
use kvtrail::source::loganalytics::live::{self, Live};
use kvtrail::store::load::{self, LoadReport};
use kvtrail::store::remote::{RemoteClause, RemoteCounts};
use kvtrail::store::{Progress, Store};
use kvtrail::text::sanitize;
use kvtrail::tui;
use kvtrail::tui::coverage::CoverageMarks;
use kvtrail::tui::keymap::Keymap;
use kvtrail::tui::run::{Inputs, Options, StreamState};
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
    /// Mark the vaults a coverage report (`kvtrail coverage --json -o FILE`) says send no audit logs.
    #[arg(long, value_name = "FILE")]
    coverage: Option<PathBuf>,
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
    /// Open a Log Analytics workspace's Key Vault events in the workbench, streamed in as they are fetched.
    #[command(after_help = "Examples:\n  kvtrail query --workspace $WS --since 7d\n  \
        kvtrail query --workspace $WS --from 2026-10-01T00:00:00Z --to 2026-10-03T00:00:00Z --vault kv-pay --activity\n  \
        kvtrail query --workspace $WS --since 2d --save incident.ndjson   # later: kvtrail incident.ndjson\n  \
        kvtrail report --workspace $WS --since 1d --format json           # headless")]
    Query(QueryArgs),
    /// List every vault of the subscriptions and whether it sends AuditEvent logs anywhere: the blind spots.
    #[command(after_help = "Exit status: 0 every vault logs, 4 some vault has no audit logging (or could not be \
        checked), 1 a subscription could not be listed.\n\nExamples:\n  kvtrail coverage --subscription $SUB\n  \
        kvtrail coverage --subscription $SUB1 --subscription $SUB2 --json -o coverage.json")]
    Coverage(CoverageArgs),
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
struct CoverageArgs {
    /// Subscription ID (repeatable).
    #[arg(long = "subscription", required = true, value_name = "ID")]
    subscriptions: Vec<String>,
    /// Print JSON ({"vaults":[{"name","id","audit_logging","checked","reason",…}],"errors":[…]}).
    #[arg(long)]
    json: bool,
    /// Resource Manager base URL (sovereign clouds, private links, proxies); http:// only on loopback.
    #[arg(long, value_name = "URL")]
    arm_endpoint: Option<String>,
    #[arg(long, value_enum, default_value = "public")]
    cloud: Cloud,
    /// How to sign in (see `kvtrail query --help`).
    #[arg(long, value_enum, default_value = "auto")]
    auth: AuthMethod,
    /// Write here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<String>,
}

#[derive(Args)]
struct QueryArgs {
    #[command(flatten)]
    live: WorkspaceArgs,
    /// Keep polling for new events every INTERVAL (default 60s) after the range is fetched; the detections run
    /// on what arrives. The range ends now, so --to does not apply.
    #[arg(long, value_name = "INTERVAL", num_args = 0..=1, default_missing_value = "60s", conflicts_with = "to")]
    follow: Option<String>,
    /// How far back each poll reaches before the last one's end, for rows that reach the workspace late
    /// (Key Vault rows take minutes, sometimes hours). Rows seen before are not shown twice.
    #[arg(long, value_name = "DURATION", default_value = "1h", requires = "follow")]
    overlap: String,
    /// Above this many events in the range, the pivot panes are counted by the workspace (summarize queries)
    /// and events are fetched only once a drill-down holds at most this many (server mode).
    #[arg(long, value_name = "N", default_value_t = 2_000_000)]
    max_events: u64,
    #[command(flatten)]
    tui: TuiArgs,
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
    #[arg(required_unless_present = "workspace", value_name = "INPUT")]
    inputs: Vec<String>,
    #[command(flatten)]
    live: WorkspaceArgs,
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

/// A Log Analytics workspace as the source (instead of files).
#[derive(Args, Clone, Default)]
struct WorkspaceArgs {
    /// Query this Log Analytics workspace (its ID, a GUID) instead of reading files.
    #[arg(long, value_name = "ID")]
    workspace: Option<String>,
    /// How far back from now (or from --to): 90m, 12h, 7d, 2w.
    #[arg(long, value_name = "DURATION", conflicts_with = "from")]
    since: Option<String>,
    /// Start of the range (RFC 3339, e.g. 2026-10-01T00:00:00Z).
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// End of the range (default: now).
    #[arg(long, value_name = "TIME")]
    to: Option<String>,
    /// Only these vaults (repeatable).
    #[arg(long = "vault", value_name = "NAME")]
    vaults: Vec<String>,
    /// Which table holds the Key Vault rows: auto, AzureDiagnostics or AZKVAuditLogs.
    #[arg(long, default_value = "auto", value_name = "TABLE", value_parser = parse_table)]
    table: Tables,
    /// Add the Key Vault management events of AzureActivity.
    #[arg(long)]
    activity: bool,
    /// Azure cloud: public, usgov or china.
    #[arg(long, value_enum, default_value = "public")]
    cloud: Cloud,
    /// Query API base URL (sovereign clouds, private links, proxies); http:// only on loopback.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// How to sign in: auto (Azure CLI, managed identity, AZURE_* service principal, workload identity), cli,
    /// managed-identity, env or workload.
    #[arg(long, value_enum, default_value = "auto")]
    auth: AuthMethod,
    /// Also write what was fetched as NDJSON (loadable later as a file) and the KQL sent to FILE.kql.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Rows per query slice (the service returns at most 500,000 rows or ~64 MB per query).
    #[arg(long, default_value_t = kvtrail::source::loganalytics::fetch::DEFAULT_MAX_ROWS, value_name = "N", hide = true)]
    max_rows: u64,
}

fn parse_table(text: &str) -> Result<Tables, String> {
    match text.to_ascii_lowercase().as_str() {
        "auto" => Ok(Tables::Auto),
        "azurediagnostics" => Ok(Tables::Only(Table::AzureDiagnostics)),
        "azkvauditlogs" => Ok(Tables::Only(Table::AzkvAuditLogs)),
        _ => Err(format!("`{text}` is not a table (auto, AzureDiagnostics, AZKVAuditLogs)")),
    }
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
    #[arg(required_unless_present = "workspace", value_name = "INPUT")]
    inputs: Vec<String>,
    #[command(flatten)]
    live: WorkspaceArgs,
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

/// Loads the files, or fetches the workspace (progress on standard error when it is a terminal). Gaps in a
/// fetch are listed on standard error and returned for the report.
fn load_inputs(inputs: &[String], live: &WorkspaceArgs) -> anyhow::Result<(Store, LoadReport, Vec<Gap>)> {
    let Some(workspace) = &live.workspace else {
        let (store, report) = load::load_paths(inputs, &Progress::default());
        return Ok((store, report, Vec::new()));
    };
    let session = Session::new(workspace, live, None)?;
    let fetched = session.fetch(&mut |status, _| {
        if io::stderr().is_terminal() {
            eprint!("\rkvtrail: {} ", status.status);
        }
        true
    })?;
    if io::stderr().is_terminal() {
        eprintln!();
    }
    for note in &fetched.summary.notes {
        eprintln!("kvtrail: {}", sanitize(note));
    }
    for gap in &fetched.summary.gaps {
        eprintln!("kvtrail: GAP {}/{}: {}", gap.from, gap.to, sanitize(&gap.reason));
    }
    let (store, report) = load::load(fetched.sources, Vec::new(), &Progress::default());
    Ok((store, report, fetched.summary.gaps))
}

/// A workspace as the workbench's server mode sees it: above `threshold` events in the range (or in a
/// drill-down) it counts; below, it is fetched.
struct WorkspaceRemote {
    session: Session,
    threshold: u64,
}

impl tui::remote::Remote for WorkspaceRemote {
    fn threshold(&self) -> u64 {
        self.threshold
    }

    fn summarize(&self, scope: &[RemoteClause]) -> Result<RemoteCounts, String> {
        let s = &self.session;
        live::summarize(&s.live, s.http.clone(), s.credential.clone(), scope).map_err(|e| e.to_string())
    }

    fn fetch(&self, scope: Vec<RemoteClause>) -> tui::run::Stream {
        let mut session = self.session.clone();
        session.live.request.scope = scope;
        session.stream()
    }
}

/// A workspace fetch ready to run: the range, the endpoint and a credential.
#[derive(Clone)]
struct Session {
    live: Live,
    http: reqwest::Client,
    credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential>,
}

impl Session {
    fn new(workspace: &str, args: &WorkspaceArgs, follow: Option<Follow>) -> anyhow::Result<Session> {
        let (from, to) = live::range(args.since.as_deref(), args.from.as_deref(), args.to.as_deref())?;
        let endpoint = match &args.endpoint {
            Some(url) => cloud::endpoint(url)?,
            None => cloud::endpoint(args.cloud.query_endpoint())?,
        };
        let http = kvtrail::source::http::client()?;
        let credential = kvtrail::source::auth::credential(&AuthOptions::new(args.auth, args.cloud), http.clone())?;
        let request = Request {
            from,
            to,
            tables: args.table,
            vaults: args.vaults.clone(),
            activity: args.activity,
            max_rows: args.max_rows,
            scope: Vec::new(),
        };
        let live = Live {
            workspace: workspace.to_string(),
            endpoint,
            scope: args.cloud.query_scope(),
            request,
            save: args.save.clone(),
            follow,
        };
        Ok(Session { live, http, credential })
    }

    /// The fetch as the workbench's loader runs it, its status as the workbench shows it.
    fn stream(self) -> tui::run::Stream {
        Box::new(move |update| {
            let fetched = self.fetch(&mut |state, sources| update(sources, state)).map_err(|e| format!("{e:#}"))?;
            let summary = fetched.summary;
            let done =
                StreamState { status: summary.status(), gaps: summary.gaps, queries: summary.queries, settled: true };
            Ok((fetched.sources, done))
        })
    }

    /// Signs in and fetches the workspace's Key Vault rows for the range (then polls, when following).
    fn fetch(
        &self,
        on: &mut dyn FnMut(&StreamState, &[kvtrail::ingest::source::Source]) -> bool,
    ) -> anyhow::Result<live::Fetched> {
        Ok(live::run(&self.live, self.http.clone(), self.credential.clone(), on)?)
    }
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
        Inputs::Demo | Inputs::Stream { .. } | Inputs::Remote { .. } => Vec::new(),
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
    let coverage = match args.coverage.as_deref().map(CoverageMarks::read).transpose() {
        Ok(marks) => marks,
        Err(e) => return usage(e),
    };
    if !io::stdout().is_terminal() {
        return usage("the workbench needs a terminal; `kvtrail stats` and `kvtrail export` work without one".into());
    }
    let (intel, rules) = (std::sync::Arc::new(intel), std::sync::Arc::new(rules));
    let options = Options { keymap, theme: Theme::new(theme), mouse: args.mouse, intel, rules, coverage };
    tui::run::run(inputs, options)?;
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
        Command::Query(args) => {
            let Some(workspace) = args.live.workspace.clone() else {
                eprintln!("kvtrail: query needs --workspace ID");
                return Ok(ExitCode::from(2));
            };
            let follow = match &args.follow {
                None => None,
                Some(every) => Some(Follow {
                    every: live::duration(every)?.unsigned_abs(),
                    overlap: live::duration(&args.overlap)?,
                }),
            };
            let session = Session::new(&workspace, &args.live, follow)?;
            // Signed in before the workbench opens: a failure is a plain message and a non-zero exit.
            live::sign_in(session.credential.as_ref(), &session.live.scope)?;
            let title = format!("workspace {workspace}");
            let remote = std::sync::Arc::new(WorkspaceRemote { session, threshold: args.max_events });
            workbench(Inputs::Remote { title, remote }, &args.tui)
        }
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
            let (store, report, _) = load_inputs(&args.inputs, &args.live)?;
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
            let (store, report, gaps) = load_inputs(&args.inputs, &args.live)?;
            let detections = detect::run(&store, &intel, &rules);
            let mut doc = Report::build(&store, &report, &detections, args.min_severity)?;
            doc.gaps = gaps;
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
        Command::Coverage(args) => {
            let arm = cloud::endpoint(args.arm_endpoint.as_deref().unwrap_or(args.cloud.arm_endpoint()))?;
            let http = kvtrail::source::http::client()?;
            let credential = kvtrail::source::auth::credential(&AuthOptions::new(args.auth, args.cloud), http.clone())?;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let scope = args.cloud.arm_scope();
            let found = runtime.block_on(kvtrail::source::coverage::coverage(
                &http,
                &arm,
                credential.as_ref(),
                &scope,
                &args.subscriptions,
            ));
            let mut out = output(args.out.as_deref())?;
            if args.json {
                found.write_json(&mut out)?
            } else {
                found.write_text(&mut out)?
            }
            out.flush()?;
            Ok(if !found.errors.is_empty() {
                ExitCode::from(1)
            } else if found.vaults.iter().any(|v| !v.audit_logging) {
                ExitCode::from(4)
            } else {
                ExitCode::SUCCESS
            })
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
