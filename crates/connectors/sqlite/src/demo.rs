//! The demo database behind `sluice demo`: DreamFactory's address-book sample (`contact`,
//! `contact_info`, `contact_group`, `contact_group_relationship`) and an employees dataset
//! (`departments`, `employees` with 100,000 rows, `dept_manager`) big enough to show paging,
//! filters on indexed columns and relations.
//!
//! Generation is deterministic: a fixed-seed SplitMix64 drives every choice and the statements
//! run in a fixed order, so every run produces the same data (and, with the same SQLite
//! library, the same file bytes). Docs and tests can therefore quote real rows.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ffi, params};

/// Rows generated per table, in creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub tables: Vec<(String, u64)>,
}

const SEED: u64 = 0x5eed_d3a0_0000_0001;
const CONTACTS: i64 = 100;
const EMPLOYEES: i64 = 100_000;
const DAY: i64 = 86_400;

const SCHEMA: &str = "
CREATE TABLE contact (
    id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    image_url TEXT, twitter TEXT, skype TEXT, notes TEXT
);
CREATE TABLE contact_info (
    id INTEGER PRIMARY KEY,
    ordinal INTEGER,
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    info_type TEXT NOT NULL CHECK (info_type IN ('work', 'home', 'mobile', 'other')),
    phone TEXT, email TEXT, address TEXT, city TEXT, state TEXT, zip TEXT, country TEXT
);
CREATE INDEX contact_info_contact_id ON contact_info (contact_id);
CREATE TABLE contact_group (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE contact_group_relationship (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE,
    contact_group_id INTEGER NOT NULL REFERENCES contact_group (id) ON DELETE CASCADE
);
CREATE INDEX contact_group_relationship_contact_id ON contact_group_relationship (contact_id);
CREATE INDEX contact_group_relationship_group_id
    ON contact_group_relationship (contact_group_id);
CREATE TABLE departments (dept_no TEXT PRIMARY KEY, dept_name TEXT NOT NULL UNIQUE);
-- Dates are ISO-8601 text in columns declared DATE, so DreamFactory typing reports `date`.
CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    gender TEXT NOT NULL CHECK (gender IN ('M', 'F')),
    birth_date DATE NOT NULL,
    hire_date DATE NOT NULL,
    salary INTEGER NOT NULL,
    dept_no TEXT REFERENCES departments (dept_no)
);
CREATE TABLE dept_manager (
    id INTEGER PRIMARY KEY,
    employee_id INTEGER NOT NULL REFERENCES employees (id) ON DELETE CASCADE,
    dept_no TEXT NOT NULL REFERENCES departments (dept_no) ON DELETE CASCADE,
    from_date DATE NOT NULL,
    to_date DATE NOT NULL
);
CREATE INDEX dept_manager_employee_id ON dept_manager (employee_id);
CREATE INDEX dept_manager_dept_no ON dept_manager (dept_no);
";

// Built after the bulk insert: filling an index at the end is cheaper than maintaining it.
const EMPLOYEE_INDEXES: &str = "
CREATE INDEX employees_last_name ON employees (last_name);
CREATE INDEX employees_dept_no ON employees (dept_no);
";

// Name lists as whitespace-separated text: compact, and split once per generation.
const MALE_NAMES: &str = "Aaron Adam Alan Albert Andrew Anthony Arthur Benjamin Brian Bruce Carl \
    Charles Christopher Daniel David Dennis Donald Douglas Edward Eric Frank Gary George Gerald \
    Gregory Harold Henry Jack James Jason Jeffrey Jerry John Jonathan Joseph Joshua Keith Kenneth \
    Kevin Larry Lawrence Mark Matthew Michael Nicholas Patrick Paul Peter Philip Raymond Richard \
    Robert Roger Ronald Ryan Samuel Scott Stephen Steven Thomas Timothy Walter Wayne William";
const FEMALE_NAMES: &str = "Alice Amanda Amy Angela Ann Anna Barbara Betty Brenda Carol Carolyn \
    Catherine Christine Cynthia Deborah Debra Diana Diane Donna Doris Dorothy Elizabeth Emily \
    Emma Evelyn Frances Gloria Grace Hannah Heather Helen Janet Janice Jean Jennifer Jessica Joan \
    Joyce Judith Julia Julie Karen Katherine Kathleen Laura Linda Lisa Margaret Maria Marie \
    Martha Mary Melissa Michelle Nancy Pamela Rachel Rebecca Ruth Sandra Sarah Sharon Susan \
    Virginia";
// Last names are prefix + suffix (about 1,400 English-looking names such as "Greenwood" or
// "Ashford"), so that `last_name = 'X'` matches some tens of the 100,000 employees.
const NAME_PREFIXES: &str = "Ash Bar Bel Black Brad Brook Cal Carl Chat Clif Cran Dal Dun East \
    Eld Fair Farn Gar Gil Gold Green Hal Har Hart Hol Kings Lang Lind Mar Mid New Nor Pem Red \
    Ross Rut Stan Sut Thorn Wal West Whit Wil Win Wood";
const NAME_SUFFIXES: &str = "brook bury by combe croft dale den don field ford gate ham hurst \
    land ley ling low man mere mont more ridge shaw son stead ston ton well wick win wood worth";
/// (dept_no, dept_name, share of the employees in percent), after the classic employees sample.
#[rustfmt::skip]
const DEPARTMENTS: &[(&str, &str, i64)] = &[
    ("d001", "Marketing", 7), ("d002", "Finance", 6), ("d003", "Human Resources", 6),
    ("d004", "Production", 22), ("d005", "Development", 26), ("d006", "Quality Management", 6),
    ("d007", "Sales", 16), ("d008", "Research", 6), ("d009", "Customer Service", 5),
];
#[rustfmt::skip]
const GROUPS: &[&str] = &[
    "Family", "Friends", "Work", "Neighbours", "Book Club", "Soccer Team", "Clients", "Suppliers",
    "School",
];
const INFO_TYPES: &[&str] = &["home", "work", "mobile", "other"];
#[rustfmt::skip]
const PLACES: &[(&str, &str, &str)] = &[
    ("Portland", "OR", "USA"), ("Austin", "TX", "USA"), ("Boston", "MA", "USA"),
    ("Denver", "CO", "USA"), ("Chicago", "IL", "USA"), ("Seattle", "WA", "USA"),
    ("Atlanta", "GA", "USA"), ("Toronto", "ON", "Canada"), ("Vancouver", "BC", "Canada"),
    ("Manchester", "ENG", "United Kingdom"),
];
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Lake Rd", "Hill Ave",
    "Park Blvd", "River Rd",
];
#[rustfmt::skip]
const NOTES: &[&str] = &[
    "Met at the spring conference.", "Prefers email over phone.", "Birthday in June.",
    "Call after 5pm.", "Old college friend.",
];

/// Creates the demo database at `path` and returns the row count of each table.
///
/// The data is built in a `.partial` file next to `path` and moved into place only when
/// complete, so an interrupted run never leaves a half-filled database that later runs would
/// reuse. The result is in WAL mode.
///
/// # Errors
/// `SQLITE_CANTOPEN` if `path` already exists (callers reuse an existing demo database) or a
/// file cannot be created or moved; any other SQLite error from generation.
pub fn generate_demo_database(path: &Path) -> Result<DemoSummary, rusqlite::Error> {
    if path.exists() {
        return Err(cant_open(format!(
            "demo database {} already exists",
            path.display()
        )));
    }
    let partial = partial_path(path);
    remove_database_files(&partial);
    let generated = Connection::open(&partial).and_then(|mut conn| {
        let summary = fill(&mut conn)?;
        conn.close().map_err(|(_, err)| err)?;
        Ok(summary)
    });
    let result = generated.and_then(|summary| {
        publish(&partial, path)?;
        Ok(summary)
    });
    remove_database_files(&partial);
    result
}

fn fill(conn: &mut Connection) -> Result<DemoSummary, rusqlite::Error> {
    // The file is private until published, so durability during generation buys nothing:
    // no rollback journal and no syncs. WAL is switched on once the data is in.
    conn.pragma_update(None, "journal_mode", "OFF")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let mut rng = SplitMix64(SEED);
    let names = Names::new();
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    let mut tables = insert_address_book(&tx, &mut rng, &names)?;
    tables.extend(insert_employees(&tx, &mut rng, &names)?);
    tx.execute_batch(EMPLOYEE_INDEXES)?;
    tx.commit()?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    debug_assert_eq!(mode, "wal");
    let tables = tables
        .into_iter()
        .map(|(table, rows)| (table.to_owned(), rows.unsigned_abs()))
        .collect();
    Ok(DemoSummary { tables })
}

/// Row counts as generated; SQLite integers are `i64`, so counts are too until the summary.
type Counts = Vec<(&'static str, i64)>;

fn insert_address_book(
    tx: &rusqlite::Transaction<'_>,
    rng: &mut SplitMix64,
    names: &Names,
) -> Result<Counts, rusqlite::Error> {
    let mut group = tx.prepare("INSERT INTO contact_group (id, name) VALUES (?1, ?2)")?;
    for (id, name) in (1_i64..).zip(GROUPS) {
        group.execute(params![id, name])?;
    }
    let mut contact = tx.prepare(
        "INSERT INTO contact (id, first_name, last_name, image_url, twitter, skype, notes) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut info = tx.prepare(
        "INSERT INTO contact_info (id, ordinal, contact_id, info_type, phone, email, address, \
         city, state, zip, country) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut member = tx.prepare(
        "INSERT INTO contact_group_relationship (id, contact_id, contact_group_id) \
         VALUES (?1, ?2, ?3)",
    )?;
    let mut info_id = 0_i64;
    for id in 1..=CONTACTS {
        let (_, first) = names.person(rng);
        let last = rng.pick(&names.last).as_str();
        let handle = format!("{}{}", first.to_lowercase(), last.to_lowercase());
        let image_url = (rng.below(3) != 0).then(|| format!("https://i.example.com/{handle}.png"));
        let twitter = (rng.below(2) == 0).then(|| format!("@{handle}"));
        let skype = (rng.below(2) == 0).then(|| handle.clone());
        let notes = (rng.below(3) == 0).then(|| *rng.pick(NOTES));
        contact.execute(params![id, first, last, image_url, twitter, skype, notes])?;
        // Home, then work or mobile, then one more of any kind: 3 per contact.
        let kinds = [0, 1 + rng.below(2), rng.below(4)];
        for (ordinal, kind) in (0_i64..).zip(kinds) {
            info_id += 1;
            let (city, state, country) = *rng.pick(PLACES);
            let domain = if kind == 1 {
                "work.example.com"
            } else {
                "example.com"
            };
            info.execute(params![
                info_id,
                ordinal,
                id,
                INFO_TYPES[kind as usize],
                format!("555-{:03}-{:04}", rng.below(1000), rng.below(10_000)),
                format!("{}.{}@{domain}", first.to_lowercase(), last.to_lowercase()),
                format!("{} {}", 1 + rng.below(9_999), rng.pick(STREETS)),
                city,
                state,
                format!("{:05}", 10_000 + rng.below(89_999)),
                country,
            ])?;
        }
        member.execute(params![id, id, 1 + rng.below(GROUPS.len() as i64)])?;
    }
    Ok(vec![
        ("contact", CONTACTS),
        ("contact_info", info_id),
        ("contact_group", GROUPS.len() as i64),
        ("contact_group_relationship", CONTACTS),
    ])
}

fn insert_employees(
    tx: &rusqlite::Transaction<'_>,
    rng: &mut SplitMix64,
    names: &Names,
) -> Result<Counts, rusqlite::Error> {
    let mut department =
        tx.prepare("INSERT INTO departments (dept_no, dept_name) VALUES (?1, ?2)")?;
    for (dept_no, name, _) in DEPARTMENTS {
        department.execute(params![dept_no, name])?;
    }
    let total_weight: i64 = DEPARTMENTS.iter().map(|(_, _, weight)| weight).sum();
    let mut employee = tx.prepare(
        "INSERT INTO employees (id, first_name, last_name, gender, birth_date, hire_date, \
         salary, dept_no) VALUES (?1, ?2, ?3, ?4, date(?5, 'unixepoch'), \
         date(?6, 'unixepoch'), ?7, ?8)",
    )?;
    // Department and hire day per employee, to pick plausible managers afterwards.
    let mut placed: Vec<(usize, i64)> = Vec::with_capacity(EMPLOYEES as usize);
    let (birth_first, birth_last) = (days_from_civil(1952, 2, 1), days_from_civil(1965, 2, 1));
    let (hire_first, hire_last) = (days_from_civil(1985, 1, 1), days_from_civil(2000, 1, 28));
    for id in 1..=EMPLOYEES {
        let (gender, first) = names.person(rng);
        let birth = birth_first + rng.below(birth_last - birth_first);
        let hire = hire_first + rng.below(hire_last - hire_first);
        let dept = weighted_department(rng.below(total_weight));
        employee.execute(params![
            id,
            first,
            rng.pick(&names.last),
            gender,
            birth * DAY,
            hire * DAY,
            38_000 + rng.below(122_000),
            DEPARTMENTS[dept].0,
        ])?;
        placed.push((dept, hire));
    }
    let mut manager = tx.prepare(
        "INSERT INTO dept_manager (id, employee_id, dept_no, from_date, to_date) \
         VALUES (?1, ?2, ?3, date(?4, 'unixepoch'), date(?5, 'unixepoch'))",
    )?;
    let mut manager_id = 0_i64;
    for (dept, (dept_no, _, _)) in DEPARTMENTS.iter().enumerate() {
        // 2 or 3 consecutive managers, each already hired when the term starts; the current
        // one's to_date is the conventional 9999-01-01.
        let terms = 2 + rng.below(2);
        let mut from = hire_first + 365;
        for term in 1..=terms {
            let to = if term == terms {
                days_from_civil(9999, 1, 1)
            } else {
                from + 700 + rng.below(2_000)
            };
            let employee_id = loop {
                let candidate = rng.below(EMPLOYEES);
                let (emp_dept, hired) = placed[candidate as usize];
                if emp_dept == dept && hired <= from {
                    break candidate + 1;
                }
            };
            manager_id += 1;
            manager.execute(params![
                manager_id,
                employee_id,
                dept_no,
                from * DAY,
                to * DAY
            ])?;
            from = to;
        }
    }
    Ok(vec![
        ("departments", DEPARTMENTS.len() as i64),
        ("employees", EMPLOYEES),
        ("dept_manager", manager_id),
    ])
}

fn weighted_department(mut ticket: i64) -> usize {
    for (index, (_, _, weight)) in DEPARTMENTS.iter().enumerate() {
        if ticket < *weight {
            return index;
        }
        ticket -= weight;
    }
    DEPARTMENTS.len() - 1
}

struct Names {
    male: Vec<&'static str>,
    female: Vec<&'static str>,
    last: Vec<String>,
}

impl Names {
    fn new() -> Names {
        let prefixes = NAME_PREFIXES.split_whitespace();
        let last = prefixes
            .flat_map(|prefix| {
                NAME_SUFFIXES
                    .split_whitespace()
                    // Skip doubled roots such as "Woodwood".
                    .filter(move |suffix| !prefix.eq_ignore_ascii_case(suffix))
                    .map(move |suffix| format!("{prefix}{suffix}"))
            })
            .collect();
        Names {
            male: MALE_NAMES.split_whitespace().collect(),
            female: FEMALE_NAMES.split_whitespace().collect(),
            last,
        }
    }

    /// A gender (60 % M, as in the classic employees sample) and a matching first name.
    fn person(&self, rng: &mut SplitMix64) -> (&'static str, &'static str) {
        if rng.below(5) < 3 {
            ("M", *rng.pick(&self.male))
        } else {
            ("F", *rng.pick(&self.female))
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and good enough for sample data; inline so
/// the output can never change under us with a dependency upgrade.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` for `n > 0` (multiply-shift; the bias is negligible for these `n`).
    fn below(&mut self, n: i64) -> i64 {
        let n = n.unsigned_abs();
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as i64) as usize]
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). Dates are
/// drawn as day numbers and rendered by SQLite's `date(…, 'unixepoch')`.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        // Missing files are the normal case.
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Moves the finished file to `path` without ever replacing an existing file: a hard link
/// fails if the target exists, unlike a rename. Falls back to a rename on file systems without
/// hard links.
fn publish(partial: &Path, path: &Path) -> Result<(), rusqlite::Error> {
    match std::fs::hard_link(partial, path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Err(cant_open(format!(
            "demo database {} already exists",
            path.display()
        ))),
        Err(_) => std::fs::rename(partial, path)
            .map_err(|err| cant_open(format!("cannot create {}: {err}", path.display()))),
    }
}

fn cant_open(message: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_CANTOPEN), Some(message))
}

#[cfg(test)]
mod tests;
