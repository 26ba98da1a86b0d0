//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "dangol", version, about = "Dangol (단골): know your regulars, never miss a discount they are owed")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// The counter database (created if missing).
    #[arg(long, value_name = "FILE")]
    pub db: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Language of text output (default: from LANG; Korean for Korean or unset locales).
    #[arg(long, value_name = "ko|en")]
    pub lang: Option<String>,
    /// A file holding the owner's PIN, for owner-only commands in scripts
    /// (else DANGOL_OWNER_PIN, else a prompt on the terminal).
    #[arg(long, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
}

/// Where a hub keeps the shop's events: a SQLite file, or a PostgreSQL
/// database (a chain; one schema per shop).
#[derive(Args, Debug, Clone)]
pub struct HubStorage {
    /// The hub's SQLite file (created if missing).
    #[arg(long, value_name = "FILE", required_unless_present = "postgres", conflicts_with = "postgres")]
    pub db: Option<PathBuf>,
    /// A PostgreSQL connection string instead of --db, e.g.
    /// "host=127.0.0.1 user=dangol dbname=dangol".
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// The shop's name within a PostgreSQL hub (lower-case letters, digits, _).
    #[arg(long, default_value = "main", requires = "postgres")]
    pub shop: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Language of text output (ko|en).
    #[arg(long, value_name = "ko|en")]
    pub lang: Option<String>,
}

/// How the hub speaks to counters: HTTPS with its own certificate, or
/// plain HTTP where the owner chooses it.
#[derive(Args, Debug, Clone)]
pub struct HubTls {
    /// Serve HTTPS with the hub's own certificate (made beside the hub's
    /// state if missing); its fingerprint is written into the join key
    /// file, and counters trust that certificate only.
    #[arg(long)]
    pub tls: bool,
    /// A host name or IP address counters use for the hub, put in a new
    /// certificate (repeat for several; localhost and loopback are always in).
    #[arg(long, value_name = "NAME", requires = "tls")]
    pub tls_name: Vec<String>,
    /// Serve plain HTTP on an address other than loopback (a LAN the
    /// owner trusts); without it such an address needs --tls.
    #[arg(long, conflicts_with = "tls")]
    pub plain_http: bool,
}

#[derive(Args, Debug, Clone)]
pub struct When {
    /// The moment to act at, RFC 3339 (default: now, or DANGOL_NOW), e.g.
    /// 2026-11-23T10:00:00+09:00. Writes must be dated within 5 minutes of
    /// now unless the owner allows a date in the past with --backdate.
    #[arg(long, value_name = "RFC3339-TIME")]
    pub at: Option<String>,
    /// Date this write in the past (--at): owner only, audited.
    #[arg(long, requires = "at")]
    pub backdate: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleArg {
    Cashier,
    Owner,
}

/// Which hub storage `bench-sync` measures.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncBackend {
    Sqlite,
    Postgres,
    Both,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Customers,
    Products,
}

/// A review segment, as the command line names it.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentArg {
    Regular,
    Drifting,
    PreRegular,
    FirstVisit,
    Lost,
}

impl SegmentArg {
    pub fn segment(self) -> dangol_domain::review::rhythm::Segment {
        use dangol_domain::review::rhythm::Segment;
        match self {
            SegmentArg::Regular => Segment::Regular,
            SegmentArg::Drifting => Segment::Drifting,
            SegmentArg::PreRegular => Segment::PreRegular,
            SegmentArg::FirstVisit => Segment::FirstVisit,
            SegmentArg::Lost => Segment::Lost,
        }
    }
}

/// Which owner's report.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportArg {
    Missed,
    Suggestions,
    Voice,
    Trend,
}

/// How a segment's list is ordered.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortArg {
    AtStake,
    Overdue,
    LeastLikely,
    MostVisits,
}

impl SortArg {
    pub fn sort(self) -> dangol_store::review::ReviewSort {
        use dangol_store::review::ReviewSort;
        match self {
            SortArg::AtStake => ReviewSort::AtStake,
            SortArg::Overdue => ReviewSort::Overdue,
            SortArg::LeastLikely => ReviewSort::LeastLikely,
            SortArg::MostVisits => ReviewSort::MostVisits,
        }
    }
}

/// What `import` reads: customers or products, or visit history from
/// another POS (`phone,date,total`, optional `name`, `items`).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportTable {
    Customers,
    Products,
    Visits,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Generate the demo shop (a Korean neighbourhood bakery-cafe) into a new database.
    Demo {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 5_000)]
        customers: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The demo's "now" (RFC 3339); history ends before it. Default: now.
        #[arg(long, value_name = "RFC3339-TIME")]
        as_of: Option<String>,
    },
    /// Find customers by last 4 digits (or more, or with a name: "1004 김"), phone, name, 초성 or card code.
    Lookup {
        #[command(flatten)]
        common: Common,
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = RoleArg::Cashier)]
        role: RoleArg,
    },
    /// A customer's profile: history, balances, open complaints.
    Customer {
        #[command(flatten)]
        common: Common,
        id: String,
        #[command(flatten)]
        when: When,
        #[arg(long, value_enum, default_value_t = RoleArg::Cashier)]
        role: RoleArg,
    },
    /// Eligible discounts, best combination, near misses and suggestions for a cart.
    Preview {
        #[command(flatten)]
        common: Common,
        /// The customer (omit for a walk-in sale).
        #[arg(long)]
        customer: Option<String>,
        /// Cart JSON file ({"lines":[{"sku":"...","qty":1}]}), or - for standard input.
        #[arg(long, value_name = "CART.json")]
        cart: PathBuf,
        #[command(flatten)]
        when: When,
        /// Rules already applied to the cart.
        #[arg(long = "applied", value_name = "RULE")]
        applied: Vec<String>,
        /// How many suggestions to show.
        #[arg(long, default_value_t = 3)]
        suggestions: usize,
        /// Do not record the suggestions as shown (a preview with --at never does).
        #[arg(long)]
        no_record: bool,
    },
    /// Record a sale through the checkout gate (exactly once per --visit).
    Checkout {
        #[command(flatten)]
        common: Common,
        /// The customer (omit for a walk-in sale).
        #[arg(long)]
        customer: Option<String>,
        /// The visit's id (a UUID made when the visit started): completing
        /// again with it returns the recorded sale. Default: a new one.
        #[arg(long, value_name = "UUID")]
        visit: Option<String>,
        /// Confirm an unusually large sale.
        #[arg(long)]
        confirm_large: bool,
        /// A goodwill discount in won (above the owner's limit: owner PIN).
        #[arg(long, value_name = "WON", requires = "goodwill_reason")]
        goodwill: Option<i64>,
        /// Why the goodwill discount is given.
        #[arg(long, value_name = "TEXT")]
        goodwill_reason: Option<String>,
        #[arg(long, value_name = "CART.json")]
        cart: PathBuf,
        #[command(flatten)]
        when: When,
        /// Apply a discount rule (repeatable).
        #[arg(long = "apply", value_name = "RULE")]
        apply: Vec<String>,
        /// Dismiss an eligible discount with a reason, RULE:REASON (repeatable).
        #[arg(long = "dismiss", value_name = "RULE:REASON")]
        dismiss: Vec<String>,
    },
    /// Refund (reverse) a sale: points, stamps and coupons are restored (owner).
    Refund {
        #[command(flatten)]
        common: Common,
        sale: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        when: When,
    },
    /// Register a new customer.
    AddCustomer {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        birth_date: Option<String>,
        #[arg(long)]
        preferred_name: Option<String>,
        /// A tier other than basic (owner only).
        #[arg(long)]
        tier: Option<String>,
        /// Marketing consent: yes or no.
        #[arg(long, value_name = "yes|no")]
        consent: Option<String>,
        #[arg(long)]
        notes: Option<String>,
        /// Read the notes from a file.
        #[arg(long, value_name = "FILE", conflicts_with = "notes")]
        notes_file: Option<PathBuf>,
        #[arg(long)]
        card: Option<String>,
        #[command(flatten)]
        when: When,
    },
    /// Log a complaint, compliment or request.
    Feedback {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        customer: String,
        #[arg(long, value_name = "complaint|compliment|request")]
        kind: String,
        #[arg(long)]
        category: String,
        #[arg(long)]
        text: String,
        #[command(flatten)]
        when: When,
    },
    /// Mark a complaint or request resolved.
    Resolve {
        #[command(flatten)]
        common: Common,
        feedback: String,
        #[arg(long)]
        resolution: String,
        #[command(flatten)]
        when: When,
    },
    /// Record that a suggestion was accepted or dismissed.
    Prompt {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        customer: String,
        #[arg(long)]
        key: String,
        #[arg(long, conflicts_with = "dismiss")]
        accept: bool,
        /// Dismiss with this reason.
        #[arg(long, value_name = "REASON")]
        dismiss: Option<String>,
        #[command(flatten)]
        when: When,
    },
    /// Import customers, products or visit history from CSV, all rows or none (owner).
    Import {
        #[command(flatten)]
        common: Common,
        #[arg(value_enum)]
        table: ImportTable,
        file: PathBuf,
        #[command(flatten)]
        when: When,
    },
    /// Export customers or products to CSV (owner).
    Export {
        #[command(flatten)]
        common: Common,
        #[arg(value_enum)]
        table: Table,
        file: PathBuf,
    },
    /// List the discount rules (JSON documents, as stored) and any set aside.
    Rules {
        #[command(flatten)]
        common: Common,
    },
    /// Add or replace a discount rule from a JSON file, or - for standard input (owner; see docs/json.md).
    SetRule {
        #[command(flatten)]
        common: Common,
        #[arg(value_name = "RULE.json")]
        file: PathBuf,
        /// Save nothing: say what the rule would do (in plain words, who
        /// qualifies today, the last 30 days' sales it would have applied to).
        #[arg(long)]
        preview: bool,
        #[command(flatten)]
        when: When,
    },
    /// Change a shop setting (owner): shop_name, time_zone (IANA, e.g. Asia/Seoul), goodwill_limit, large_sale (won) or loyalty (JSON).
    Setting {
        #[command(flatten)]
        common: Common,
        key: String,
        value: String,
        #[command(flatten)]
        when: When,
    },
    /// Correct a customer's points or stamps by hand (owner; an `adjust` ledger entry).
    Adjust {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        customer: String,
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        points: i64,
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        stamps: i64,
        /// When points added expire (RFC 3339); default: never.
        #[arg(long, value_name = "RFC3339-TIME")]
        expires: Option<String>,
        /// Why (kept with the entry).
        #[arg(long)]
        note: String,
        #[command(flatten)]
        when: When,
    },
    /// Issue a single-use coupon to a customer (owner).
    IssueCoupon {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        customer: String,
        /// The coupon rule it unlocks (a rule with a `coupon` condition).
        #[arg(long)]
        rule: String,
        #[arg(long)]
        code: String,
        /// When it stops being usable (RFC 3339).
        #[arg(long, value_name = "RFC3339-TIME")]
        expires: String,
        #[command(flatten)]
        when: When,
    },
    /// Set the owner PIN: the first one for a new shop, or a new one with the current PIN.
    SetPin {
        #[command(flatten)]
        common: Common,
        /// A file holding the new PIN (else a prompt on the terminal, twice).
        #[arg(long, value_name = "FILE")]
        new_pin_file: Option<PathBuf>,
    },
    /// The audit log: every owner action and goodwill grant, newest first (owner).
    Audit {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// What sync found, newest first (owner): merged registrations, a coupon used twice, a debt...
    /// A merge that can still be undone shows the registration to give to `unmerge`.
    Anomalies {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// The owner's review of regulars (owner): the shop's visit model, customers per segment,
    /// and who is drifting away against their own rhythm, most at stake first. --at reviews as
    /// of a moment (visits after it are ignored).
    Review {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        when: When,
        /// How many drifting customers to list.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Fit the model again even if today's fit is kept.
        #[arg(long)]
        refit: bool,
        /// List this segment's customers instead of the summary.
        #[arg(long, value_enum)]
        segment: Option<SegmentArg>,
        /// How the segment's list is ordered.
        #[arg(long, value_enum, default_value_t = SortArg::AtStake)]
        sort: SortArg,
        /// Write the segment (default: drifting) to a CSV file: only customers who consented to
        /// marketing; the others are counted and left out.
        #[arg(long, value_name = "FILE.csv")]
        export: Option<PathBuf>,
    },
    /// Undo a merge sync made (owner): the merged registration becomes its own customer again
    /// under a phone of its own, with the sales, points, stamps and coupons it brought.
    Unmerge {
        #[command(flatten)]
        common: Common,
        /// The merged registration's id (see `anomalies`).
        #[arg(long, value_name = "UUID")]
        customer: String,
        /// Its own phone number (no customer may have it).
        #[arg(long)]
        phone: String,
        #[command(flatten)]
        when: When,
    },
    /// Measure lookup, preview and checkout latency against their raw SQLite floors
    /// (on a demo shop, or on a copy of a real shop's database).
    Bench {
        #[command(flatten)]
        common: Common,
        /// Measured repetitions per figure.
        #[arg(long, default_value_t = 2_000)]
        iterations: usize,
    },
    /// The owner's reports (owner): what the counter missed (discounts dismissed at checkout and
    /// the saving not given, this month and by week), how the suggestions fared, or the voice of
    /// customer (open complaints oldest first, time to resolve, categories by month), or visits
    /// and sales day by day (new and returning customers, walk-ins, regulars' share).
    Report {
        #[command(flatten)]
        common: Common,
        #[arg(value_enum)]
        report: ReportArg,
        #[command(flatten)]
        when: When,
        /// Weeks to cover, ending with this one (1-104).
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=104))]
        weeks: u32,
    },
    /// Measure the owner's review (owner): opening the regulars screen and a full refit of the
    /// visit model, each beside reading the same customer rows, and peak memory.
    BenchReview {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        when: When,
        /// Measured openings of the screen.
        #[arg(long, default_value_t = 20)]
        iterations: usize,
    },
    /// Measure the register API over loopback HTTP (a lookup, a 20-line quote) beside the same calls
    /// in-process, then 100 register connections at once. Reads the database only.
    BenchApi {
        #[command(flatten)]
        common: Common,
        /// Measured lookups (quotes: a quarter as many).
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
    },
    /// Measure sync through a real hub (SQLite and PostgreSQL): one counter's events pushed and pulled
    /// by another against plain batched SQL floors, then many counters pushing at once (latency, loss, hub memory),
    /// and with --bootstrap-customers a new counter's start from the hub's snapshot of a big shop.
    BenchSync {
        /// Events pushed by one counter and pulled by another.
        #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        events: u64,
        /// Counters pushing at once (each 40 pushes of 25 events).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=1_000))]
        counters: u64,
        #[arg(long, value_enum, default_value_t = SyncBackend::Both)]
        backend: SyncBackend,
        /// A PostgreSQL to measure on (its scratch schemas are dropped after) instead of a throw-away cluster.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Where the SQLite files go (default: the system's temporary folder); the disk is what is measured.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Also measure a new counter's bootstrap from a hub holding a demo shop of N customers
        /// (the demo counter seeds an empty hub, then a new counter starts from its snapshot); 0: skip.
        #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
        bootstrap_customers: u64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Language of errors (ko|en); the figures are in English.
        #[arg(long, value_name = "ko|en")]
        lang: Option<String>,
    },
    /// Run the shop's hub: counters join with the shop's key, push their events and pull the others'.
    Hub {
        #[command(flatten)]
        hub: HubStorage,
        /// Where to listen (port 0: any free port; the address is printed).
        #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:7000")]
        listen: String,
        /// The shop's join key (created, readable only by you, if missing).
        #[arg(long, value_name = "FILE")]
        key_file: PathBuf,
        #[command(flatten)]
        tls: HubTls,
    },
    /// The counters enrolled at a hub.
    HubDevices {
        #[command(flatten)]
        hub: HubStorage,
    },
    /// Refuse a counter at the hub from now on (a lost or stolen PC).
    HubRevoke {
        #[command(flatten)]
        hub: HubStorage,
        /// The counter's device id (see hub-devices).
        #[arg(long, value_name = "UUID")]
        device: String,
    },
    /// One sync round with the shop's hub: join on first use, push this counter's events, pull the others'.
    Sync {
        #[command(flatten)]
        common: Common,
        /// The hub's address, e.g. http://192.168.0.10:7000.
        #[arg(long, value_name = "URL", required_unless_present = "status")]
        hub: Option<String>,
        /// The shop's join key, as the hub made it (needed to join).
        #[arg(long, value_name = "FILE", required_unless_present = "status")]
        key_file: Option<PathBuf>,
        /// This counter's name at the hub (default: the machine's name).
        #[arg(long)]
        name: Option<String>,
        /// Only show where sync stands; contact nobody.
        #[arg(long)]
        status: bool,
    },
    /// Serve the register's local API (HTTP on 127.0.0.1 only, behind the token in --token-file, made if missing): find customers, read their card, quote a cart. See docs/register-api.md
    Serve {
        #[command(flatten)]
        common: Common,
        /// Where to listen: a loopback address (port 0: any free port; the address is printed).
        #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:7300")]
        listen: String,
        /// The API's token (64 hex digits; made, readable only by you, if missing).
        #[arg(long, value_name = "FILE")]
        token_file: PathBuf,
    },
    /// Replace the register API's token with a new one: the old one is refused from the next request on.
    RotateToken {
        /// The API's token file.
        #[arg(long, value_name = "FILE")]
        token_file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Language of text output (ko|en).
        #[arg(long, value_name = "ko|en")]
        lang: Option<String>,
    },
    /// First-run tour: create the demo database if missing, then show a lookup and a preview.
    Tour {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 5_000)]
        customers: u64,
    },
}
