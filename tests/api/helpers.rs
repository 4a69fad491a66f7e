//! `spawn_app()`: a running server in a temporary data directory, and a client for it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The site every test registers; its articles accept comments.
pub const SITE: &str = "https://news.example";
/// An article on that site.
pub const ARTICLE: &str = "https://news.example/2026/11/28/city-council-votes";
pub const MODERATOR: &str = "editor";
pub const PASSWORD: &str = "correct horse battery staple";

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_replyguard")
}

/// `REPLYGUARD_TEST_POSTGRES` (a server URL such as `postgres://postgres@127.0.0.1:5433`):
/// when set, every data directory a test makes is paired with a fresh PostgreSQL database
/// and every server and CLI command of the suite runs on it. `.ci/run` runs the suite
/// once on SQLite and once so.
pub fn postgres_server() -> Option<String> {
    std::env::var("REPLYGUARD_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .map(|u| u.trim().trim_end_matches('/').to_owned())
}

/// Whether the suite runs on PostgreSQL.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// Whether a test that needs PostgreSQL runs here: it says so when it skips, and
/// `REPLYGUARD_REQUIRE_POSTGRES` (set by `.ci/run`) makes the skip a failure.
pub fn postgres_or_skip() -> bool {
    if on_postgres() {
        return true;
    }
    assert!(
        std::env::var_os("REPLYGUARD_REQUIRE_POSTGRES").is_none(),
        "REPLYGUARD_REQUIRE_POSTGRES is set but REPLYGUARD_TEST_POSTGRES is not"
    );
    eprintln!("skipped: set REPLYGUARD_TEST_POSTGRES to run the PostgreSQL tests");
    false
}

/// The database paired with `data_dir` (created on first use), when the suite runs on
/// PostgreSQL.
pub fn database_url_for(data_dir: &Path) -> Option<String> {
    use std::hash::{Hash, Hasher};
    static CREATED: OnceLock<Mutex<std::collections::HashSet<String>>> = OnceLock::new();
    let server = postgres_server()?;
    if sqlite_only().lock().expect("lock").contains(data_dir) {
        return None;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    let name = format!("rg_test_{:016x}", hasher.finish());
    let mut created = CREATED.get_or_init(Default::default).lock().expect("lock");
    if !created.contains(&name) {
        create_database(&server, &name);
        created.insert(name.clone());
    }
    Some(format!("{server}/{name}"))
}

/// Data directories that stay on SQLite even when the suite runs on PostgreSQL (the source
/// of a `copy-data`).
fn sqlite_only() -> &'static Mutex<std::collections::HashSet<PathBuf>> {
    static PATHS: OnceLock<Mutex<std::collections::HashSet<PathBuf>>> = OnceLock::new();
    PATHS.get_or_init(Default::default)
}

/// Creates database `name` on the server at `server` (dropping a leftover of that name).
pub fn create_database(server: &str, name: &str) {
    run_on(&format!("{server}/postgres"), |client| async move {
        // Two statements: neither may run inside the implicit transaction of a batch.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            client
                .batch_execute(&sql)
                .await
                .expect("create the test database");
        }
    });
}

/// Posts a comment with an idempotency key; `Some(id)` when acknowledged, `None` when the
/// server was not there to answer (killed or stopping).
pub fn post_with_key(client: &Client, base: &str, key: &str) -> Option<i64> {
    let response = client
        .post(format!("{base}/api/v1/comments"))
        .header("idempotency-key", key)
        .json(&json!({
            "thread": ARTICLE, "author": "Crash Tester", "email": "crash@mail.example",
            "body": format!("comment {key}"),
        }))
        .send()
        .ok()?;
    assert_eq!(response.status().as_u16(), 202, "refused {key}");
    response.json::<Value>().ok()?["id"].as_i64()
}

/// Every byte the database holds, to search for what must not be stored: the SQLite file
/// and its log, or a `pg_dump` of the PostgreSQL database.
pub fn database_bytes(data_dir: &Path) -> Vec<u8> {
    match database_url_for(data_dir) {
        None => {
            let mut bytes = std::fs::read(data_dir.join("replyguard.sqlite3")).expect("database");
            bytes
                .extend(std::fs::read(data_dir.join("replyguard.sqlite3-wal")).unwrap_or_default());
            bytes
        }
        Some(url) => {
            let out = Command::new("pg_dump")
                .args(["--data-only", "--inserts", &url])
                .output()
                .expect("pg_dump");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        }
    }
}

/// Runs `f` with a connection to the database at `url`.
pub fn run_on<F, Fut>(url: &str, f: F)
where
    F: FnOnce(tokio_postgres::Client) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect to the test database");
        tokio::spawn(connection);
        f(client).await;
    });
}

/// The one BYTEA value `sql` (with one text parameter) selects.
fn query_bytes(url: &str, sql: &str, param: &str) -> Vec<u8> {
    let mut out = Vec::new();
    run_on(url, |client| {
        let out = &mut out;
        async move {
            *out = client
                .query_one(sql, &[&param])
                .await
                .expect("query")
                .get(0);
        }
    });
    out
}

/// The environment that points a process at `data_dir`'s database.
fn database_env(data_dir: &Path) -> Vec<(&'static str, String)> {
    database_url_for(data_dir)
        .map(|url| ("REPLYGUARD_DATABASE_URL", url))
        .into_iter()
        .collect()
}

/// Runs the CLI against `data_dir`, feeding `stdin`; returns (success, stdout, stderr).
pub fn cli(data_dir: &Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    cli_full(data_dir, args, stdin, &[])
}

/// Runs the CLI against `data_dir` with extra environment variables.
pub fn cli_with_env(
    data_dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    cli_full(data_dir, args, "", env)
}

fn cli_full(
    data_dir: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let database = if env.iter().any(|(k, _)| *k == "REPLYGUARD_DATABASE_URL") {
        Vec::new()
    } else {
        database_env(data_dir)
    };
    let mut child = Command::new(binary())
        .args(args)
        .envs(env.iter().copied())
        .env("REPLYGUARD_DATA_DIR", data_dir)
        .envs(database)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the replyguard CLI");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("CLI finished");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A small labelled corpus, inline, so behaviour tests do not depend on the shipped model.
pub const FIXTURE_CORPUS: &str = "\
spam\tCheck out my channel and subscribe http://bit.ly/free-views
spam\tFREE prize! Call now 0800 123 4567 to claim your cash
spam\tWin cash now!!! click http://cheap-pills.example/buy
spam\tsubscribe to my channel please, check out my new video
spam\tEarn money from home, visit http://bit.ly/earn-fast now
spam\tCLAIM YOUR FREE GIFT CARD NOW http://gift.example
spam\tcheap pills online, best price, buy now http://cheap-pills.example
spam\tplease subscribe and like, check out my channel for free views
spam\tURGENT you have won a prize, call 09061 701 461 now
spam\tmake money fast, click the link http://bit.ly/money
ham\tGreat article, thanks for the careful reporting on the council vote.
ham\tI disagree with the decision, the bus route matters to my commute.
ham\tThe photo of the river at dawn is lovely.
ham\tCould you follow up on what the mayor said about housing?
ham\tMy grandmother lived on that street in the sixties.
ham\tThanks, this explained the budget better than anything else I read.
ham\tThe school board meeting is on Tuesday, not Monday.
ham\tI think the library should stay open on weekends.
ham\tWell written piece, though the headline overstates it.
ham\tWe went to the festival last year and it was wonderful.
";

/// Trains the fixture model once per test run through the real CLI; returns its path.
pub fn fixture_model() -> &'static Path {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("replyguard-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("fixture dir");
        let corpus = dir.join("fixture.tsv");
        std::fs::write(&corpus, FIXTURE_CORPUS).expect("write corpus");
        let model = dir.join("fixture-model.json");
        let (ok, out, err) = cli(
            &dir,
            &[
                "model",
                "train",
                "--width-bits",
                "10",
                "--out",
                model.to_str().expect("utf-8"),
                corpus.to_str().expect("utf-8"),
            ],
            "",
        );
        assert!(ok, "training the fixture model failed: {out} {err}");
        model
    })
}

pub struct TestApp {
    pub address: String,
    pub data_dir: TempDir,
    pub client: Client,
    server: Child,
    /// Every line the server wrote to stderr (its log), across restarts.
    logs: Arc<Mutex<Vec<String>>>,
    /// The thread copying the running server's stderr into `logs`: it ends at EOF, so
    /// joining it after the process exits means every line is in.
    log_reader: Option<std::thread::JoinHandle<()>>,
    /// The model file the server was started with.
    model: PathBuf,
    /// Extra environment of the server.
    env: Vec<(String, String)>,
}

/// Starts a server with a registered site and one moderator.
pub fn spawn_app() -> TestApp {
    spawn_app_with(&[])
}

/// Like [`spawn_app`], with extra environment variables for the server.
pub fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    spawn_app_on(env, false)
}

/// Like [`spawn_app_with`], on SQLite whatever the suite runs on.
pub fn spawn_app_on_sqlite(env: &[(&str, &str)]) -> TestApp {
    spawn_app_on(env, true)
}

fn spawn_app_on(env: &[(&str, &str)], sqlite: bool) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    if sqlite {
        sqlite_only()
            .lock()
            .expect("lock")
            .insert(data_dir.path().to_owned());
    }
    let (ok, _, err) = cli(
        data_dir.path(),
        &["site", "add", SITE, "--name", "News"],
        "",
    );
    assert!(ok, "site add failed: {err}");
    let (ok, _, err) = cli(
        data_dir.path(),
        &["moderator", "add", MODERATOR],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "moderator add failed: {err}");
    let logs = Arc::new(Mutex::new(Vec::new()));
    let model = fixture_model().to_owned();
    // Tests post many comments from one address in a moment: submission limits are off
    // unless a test turns them on (`hardening.rs`).
    let env: Vec<(String, String)> = std::iter::once(("REPLYGUARD_LIMITS", "off"))
        .chain(env.iter().copied())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let (server, address, log_reader) = start_server(data_dir.path(), &model, &env, &logs);
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    TestApp {
        address,
        data_dir,
        client,
        server,
        logs,
        log_reader: Some(log_reader),
        model,
        env,
    }
}

fn start_server(
    data_dir: &Path,
    model: &Path,
    env: &[(String, String)],
    logs: &Arc<Mutex<Vec<String>>>,
) -> (Child, String, std::thread::JoinHandle<()>) {
    // A database named in `env` (a second instance's) wins over the data directory's own.
    let database = if env.iter().any(|(k, _)| k == "REPLYGUARD_DATABASE_URL") {
        Vec::new()
    } else {
        database_env(data_dir)
    };
    let mut server = Command::new(binary())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("REPLYGUARD_DATA_DIR", data_dir)
        .envs(database)
        .env("REPLYGUARD_MODEL", model)
        .env("REPLYGUARD_LOG", "debug")
        .env("REPLYGUARD_LOG_FORMAT", "pretty")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start replyguard serve");
    let stderr = server.stderr.take().expect("stderr");
    let sink = Arc::clone(logs);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if std::env::var_os("TEST_LOG").is_some() {
                eprintln!("[server] {line}");
            }
            sink.lock().expect("log lock").push(line);
        }
    });
    let mut stdout = BufReader::new(server.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout
        .read_line(&mut line)
        .expect("read the listening line");
    let address = line
        .trim()
        .strip_prefix("replyguard listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}; logs: {:?}", logs.lock()))
        .to_owned();
    std::thread::spawn(move || for _ in stdout.lines() {});
    (server, address, reader)
}

impl TestApp {
    /// The server's peak resident memory so far (`VmHWM`), in kB.
    pub fn peak_memory_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.server.id()))
            .expect("server status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.server.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Kills the server (SIGKILL) and leaves it down until [`TestApp::start_again`].
    pub fn kill_without_restart(&mut self) {
        self.server.kill().expect("kill");
        self.server.wait().expect("reap");
    }

    /// Every log line so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().expect("log lock").clone()
    }

    /// Sends SIGTERM and waits for the server to exit; its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.server.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        let status = self.server.wait().expect("wait for exit");
        self.join_log_reader();
        status
    }

    /// Waits for the server to exit on its own (after a signal sent elsewhere).
    pub fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        let status = self.server.wait().expect("wait for exit");
        self.join_log_reader();
        status
    }

    /// Waits until the stopped server's last log line is in [`TestApp::logs`].
    fn join_log_reader(&mut self) {
        if let Some(reader) = self.log_reader.take() {
            reader.join().expect("log reader");
        }
    }

    /// Starts the server again on the same data (after [`TestApp::terminate`]).
    pub fn start_again(&mut self) {
        let (server, address, log_reader) =
            start_server(self.data_dir.path(), &self.model, &self.env, &self.logs);
        self.server = server;
        self.address = address;
        self.log_reader = Some(log_reader);
    }

    /// Starts another instance on the same database, with a data directory of its own (as
    /// on another machine) and the same settings. Its process, address and data directory.
    pub fn another_instance(&self) -> (Child, String, TempDir) {
        let url =
            database_url_for(self.data_dir.path()).expect("only a shared database has instances");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env = self.env.clone();
        env.push(("REPLYGUARD_DATABASE_URL".to_owned(), url));
        let (child, address, _) = start_server(dir.path(), &self.model, &env, &self.logs);
        (child, address, dir)
    }

    /// The database URL this app runs on, when the suite runs on PostgreSQL.
    pub fn database_url(&self) -> Option<String> {
        database_url_for(self.data_dir.path())
    }

    /// Starts a server on `data_dir` with exactly `env` (and this app's model).
    pub fn start_on_env(&self, data_dir: &Path, env: &[(String, String)]) -> (Child, String) {
        let (child, address, _) = start_server(data_dir, &self.model, env, &self.logs);
        (child, address)
    }

    /// Starts a second server on another data directory (a restored backup, say).
    pub fn start_on(&self, data_dir: &Path) -> (Child, String) {
        let (child, address, _) = start_server(data_dir, &self.model, &self.env, &self.logs);
        (child, address)
    }

    /// Kills the server without warning (SIGKILL) and starts it again on the same data.
    pub fn crash_and_restart(&mut self) {
        let model = self.model.clone();
        self.restart_with_model(&model);
    }

    /// Kills the server (SIGKILL) and starts it again on the same data with another model.
    pub fn restart_with_model(&mut self, model: &Path) {
        self.server.kill().expect("kill");
        self.server.wait().expect("reap");
        let (server, address, log_reader) =
            start_server(self.data_dir.path(), model, &self.env, &self.logs);
        self.server = server;
        self.address = address;
        self.log_reader = Some(log_reader);
        self.model = model.to_owned();
    }

    /// Stops the server and returns every log line it wrote.
    pub fn stop_and_collect_logs(&mut self) -> Vec<String> {
        self.server.kill().ok();
        self.server.wait().ok();
        self.join_log_reader();
        self.logs.lock().expect("log lock").clone()
    }

    pub fn post_comment_json(&self, body: &Value) -> Response {
        self.client
            .post(self.url("/api/v1/comments"))
            .json(body)
            .send()
            .expect("POST /api/v1/comments")
    }

    pub fn post_comment_form(&self, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url("/comments"))
            .form(fields)
            .send()
            .expect("POST /comments")
    }

    /// Submits a valid comment and returns its id.
    pub fn submit(&self, author: &str, email: &str, body: &str, parent: Option<i64>) -> i64 {
        let response = self.post_comment_json(&json!({
            "thread": ARTICLE, "parent": parent, "author": author,
            "email": email, "website": "", "body": body,
        }));
        assert_eq!(response.status().as_u16(), 202, "submission refused");
        response.json::<Value>().expect("json")["id"]
            .as_i64()
            .expect("id")
    }

    /// `/metrics` as the service's own address reads it.
    pub fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .expect("metrics")
            .text()
            .expect("text")
    }

    pub fn public_comments(&self, thread: &str) -> Value {
        self.public_comments_at(&self.address, thread)
    }

    /// The public listing of `thread` from the server at `base` (another instance, a
    /// restored backup).
    pub fn public_comments_at(&self, base: &str, thread: &str) -> Value {
        let response = self
            .client
            .get(format!("{base}/api/v1/comments"))
            .query(&[("thread", thread)])
            .send()
            .expect("GET /api/v1/comments");
        assert_eq!(response.status().as_u16(), 200);
        response.json().expect("json")
    }

    /// How many comments wait in the pending queue (moderation API).
    pub fn pending_total(&self) -> u64 {
        self.moderation_get("/comments?status=pending")
            .json::<Value>()
            .expect("json")["total"]
            .as_u64()
            .expect("total")
    }

    pub fn moderation_get(&self, path: &str) -> Response {
        self.client
            .get(self.url(&format!("/api/v1/moderation{path}")))
            .basic_auth(MODERATOR, Some(PASSWORD))
            .send()
            .expect("moderation GET")
    }

    pub fn act(&self, id: i64, action: &str) -> Response {
        self.decide_as(MODERATOR, PASSWORD, id, &json!({ "action": action }))
    }

    /// A decision on comment `id` through the moderation API, by the moderator `name`:
    /// `body` is `{"action", …}` with what else the decision carries (`reason`,
    /// `expected_status`).
    pub fn decide_as(&self, name: &str, password: &str, id: i64, body: &Value) -> Response {
        self.client
            .post(self.url(&format!("/api/v1/moderation/comments/{id}")))
            .basic_auth(name, Some(password))
            .json(body)
            .send()
            .expect("moderation POST")
    }

    /// Runs the CLI against this app's data directory, with the app's base model.
    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let mut command = Command::new(binary());
        command
            .args(args)
            .env("REPLYGUARD_DATA_DIR", self.data_dir.path())
            .envs(database_env(self.data_dir.path()))
            .env("REPLYGUARD_MODEL", &self.model);
        let out = command.output().expect("CLI finished");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `POST /api/v1/moderation/model/retrain`.
    pub fn retrain(&self, force: bool) -> Response {
        self.client
            .post(self.url("/api/v1/moderation/model/retrain"))
            .basic_auth(MODERATOR, Some(PASSWORD))
            .json(&json!({ "force": force }))
            .send()
            .expect("retrain")
    }

    /// The stored file bytes of model `version`: a file in the data directory, or a row.
    pub fn model_bytes(&self, version: &str) -> Vec<u8> {
        match database_url_for(self.data_dir.path()) {
            None => std::fs::read(
                self.data_dir
                    .path()
                    .join("models")
                    .join(format!("{version}.json")),
            )
            .expect("model file"),
            Some(url) => query_bytes(
                &url,
                "SELECT bundle FROM models WHERE version = $1",
                version,
            ),
        }
    }

    /// Cuts the last 100 bytes off stored model `version`, as a torn write or a bad disk
    /// would.
    pub fn truncate_model(&self, version: &str) {
        let bytes = self.model_bytes(version);
        let cut = &bytes[..bytes.len() - 100];
        match database_url_for(self.data_dir.path()) {
            None => std::fs::write(
                self.data_dir
                    .path()
                    .join("models")
                    .join(format!("{version}.json")),
                cut,
            )
            .expect("write model file"),
            Some(url) => {
                run_on(&url, |client| async move {
                    client
                        .execute(
                            "UPDATE models SET bundle = $2 WHERE version = $1",
                            &[&version, &cut],
                        )
                        .await
                        .expect("damage the stored model");
                });
            }
        }
    }

    /// The version of the model in use.
    pub fn active_model(&self) -> String {
        let status: Value = self.moderation_get("/model").json().expect("json");
        status["active"]["version"]
            .as_str()
            .expect("version")
            .to_owned()
    }

    pub fn approve(&self, id: i64) {
        let response = self.act(id, "approve");
        assert_eq!(response.status().as_u16(), 200, "approve {id} failed");
    }

    pub fn status_of(&self, id: i64) -> String {
        let detail: Value = self
            .moderation_get(&format!("/comments/{id}"))
            .json()
            .expect("json");
        detail["status"].as_str().expect("status").to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.kill().ok();
        self.server.wait().ok();
    }
}

/// The value of the cookie `name` that `response` sets, if it sets one.
pub fn cookie_value(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        })
}

/// The CSRF token of the first form in a dashboard page.
pub fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a csrf field")
        .to_owned()
}

/// Posts the dashboard's sign-in form as a browser would (its CSRF cookie and field).
pub fn dashboard_login(app: &TestApp, name: &str, password: &str) -> Response {
    let form = app
        .client
        .get(app.url("/dashboard/login"))
        .send()
        .expect("login form");
    let login_cookie = cookie_value(&form, "rg_login").expect("login csrf cookie");
    let csrf = csrf_in(&form.text().expect("html"));
    app.client
        .post(app.url("/dashboard/login"))
        .header("cookie", format!("rg_login={login_cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", name),
            ("password", password),
        ])
        .send()
        .expect("login")
}

/// Signs in to the dashboard and returns the session cookie's value.
pub fn dashboard_session(app: &TestApp, name: &str, password: &str) -> String {
    let response = dashboard_login(app, name, password);
    assert_eq!(response.status().as_u16(), 303, "sign-in failed");
    cookie_value(&response, "rg_session").expect("session cookie")
}

/// Adds an entry to a block or hold list through the dashboard's rules page, as a
/// moderator would.
pub fn add_rule(app: &TestApp, list: &str, kind: &str, value: &str) {
    let cookie = dashboard_session(app, MODERATOR, PASSWORD);
    let rules = app
        .client
        .get(app.url("/dashboard/rules"))
        .header("cookie", format!("rg_session={cookie}"))
        .send()
        .expect("rules page")
        .text()
        .expect("html");
    let csrf = csrf_in(&rules);
    let added = app
        .client
        .post(app.url("/dashboard/rules"))
        .header("cookie", format!("rg_session={cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("op", "add"),
            ("list", list),
            ("kind", kind),
            ("value", value),
        ])
        .send()
        .expect("add a rule");
    assert_eq!(added.status().as_u16(), 303, "{list} {kind} {value}");
}

/// The password of the second moderator account, `chief`.
pub const CHIEF_PASSWORD: &str = "another long password";

/// Adds a second moderator account, `chief` (an administrator with `admin`), through the CLI.
pub fn add_chief(app: &TestApp, admin: bool) {
    let mut args = vec!["moderator", "add", "chief"];
    if admin {
        args.push("--admin");
    }
    let (ok, _, err) = cli(app.data_dir.path(), &args, &format!("{CHIEF_PASSWORD}\n"));
    assert!(ok, "{err}");
}

/// A dashboard page's HTML, signed in with the session cookie `cookie`.
pub fn dashboard_page(app: &TestApp, cookie: &str, path: &str) -> String {
    app.client
        .get(app.url(path))
        .header("cookie", format!("rg_session={cookie}"))
        .send()
        .expect(path)
        .text()
        .expect("html")
}
