// Drives two Akismet clients from npm against a running Replyguard and prints what each
// call returned, one JSON object, for tests/api/akismet.rs to check.
//
//   BASE=http://127.0.0.1:PORT KEY=… BLOG=https://news.example/ node clients.mjs
import dns from "node:dns";
import { createRequire } from "node:module";
import { Author, Blog, CheckResult, Client, Comment, CommentType } from "@cedx/akismet";

const require = createRequire(import.meta.url);
const { AkismetClient } = require("akismet-api");

const { BASE, KEY, BLOG } = process.env;
const base = new URL(BASE);

// akismet-api (like Akismet's older clients) sends its calls to KEY.rest.akismet.com; here
// that is KEY.localhost, which this process resolves to the loopback address.
const lookup = dns.lookup;
dns.lookup = (host, options, callback) =>
  host.endsWith(".localhost") ? lookup("127.0.0.1", options, callback) : lookup(host, options, callback);

const results = {};
const record = async (name, f) => {
  try {
    results[name] = await f();
  } catch (e) {
    results[name] = { error: String(e.message || e) };
  }
};

// @cedx/akismet 16: fetch, key in the body as api_key. Its CheckResult is an enum of
// numbers; report it by name.
const named = (result) => Object.keys(CheckResult).find((k) => CheckResult[k] === result);
const blog = new Blog({ url: BLOG, charset: "UTF-8", languages: ["en"] });
const cedx = new Client(KEY, blog, { baseUrl: BASE });
const cedxWrong = new Client("0123456789abcdef01234567", blog, { baseUrl: BASE });
const ham = new Comment({
  author: new Author({ ipAddress: "198.51.100.7", name: "Ann Reader", email: "ann@mail.example", userAgent: "Mozilla/5.0" }),
  content: "Thanks for the clear write-up of the council budget vote.",
  type: CommentType.comment,
  permalink: new URL("story/", BLOG).href,
});
const guaranteedSpam = new Comment({
  author: new Author({ ipAddress: "203.0.113.9", name: "akismet-guaranteed-spam", email: "x@spam.example" }),
  content: "Buy now",
  type: CommentType.comment,
});
// Spam by the filter's own judgement: an ordinary name, no test value, no honeypot.
const filterSpam = new Comment({
  author: new Author({ ipAddress: "203.0.113.20", name: "Mary Jones", email: "mary@mail.example" }),
  content: "FREE prize! Call now 0800 123 4567 to claim your cash, win cash now, click http://bit.ly/free-views",
  type: CommentType.comment,
});
const admin = new Comment({
  author: new Author({ ipAddress: "198.51.100.8", name: "Editor", email: "ed@mail.example", role: "administrator" }),
  content: "Cheap pills casino bonus click here",
  type: CommentType.comment,
});
const missedSpam = new Comment({
  author: new Author({ ipAddress: "203.0.113.10", name: "Spammer", email: "spammer@spam.example", url: "http://spam-shop.example/" }),
  content: "Great post! Visit my shop for cheap watches",
  type: CommentType.comment,
  permalink: new URL("story/", BLOG).href,
});
await record("cedx_verify_valid", () => cedx.verifyKey());
await record("cedx_verify_invalid", () => cedxWrong.verifyKey());
await record("cedx_check_ham", () => cedx.checkComment(ham).then(named));
await record("cedx_check_guaranteed_spam", () => cedx.checkComment(guaranteedSpam).then(named));
await record("cedx_check_filter_spam", () => cedx.checkComment(filterSpam).then(named));
await record("cedx_check_administrator", () => cedx.checkComment(admin).then(named));
await record("cedx_submit_spam", () => cedx.submitSpam(missedSpam).then(() => "ok"));
await record("cedx_submit_ham", () => cedx.submitHam(ham).then(() => "ok"));

// akismet-api 6: superagent, key in the host name for the comment calls.
const client = new AkismetClient({ key: KEY, blog: BLOG, host: `localhost:${base.port}`, protocol: "http" });
const wrong = new AkismetClient({ key: "0123456789abcdef01234567", blog: BLOG, host: `localhost:${base.port}`, protocol: "http" });
await record("api_verify_valid", () => client.verifyKey());
await record("api_verify_invalid", () => wrong.verifyKey());
await record("api_check_ham", () =>
  client.checkSpam({ ip: "198.51.100.7", name: "Ann Reader", email: "ann@mail.example", content: "I enjoyed the piece on the library hours." }));
await record("api_check_test_spam", () =>
  client.checkSpam({ ip: "203.0.113.9", name: "viagra-test-123", email: "v@spam.example", content: "hello" }));
await record("api_check_filter_spam", () =>
  client.checkSpam({ ip: "203.0.113.21", name: "John Smith", email: "john@mail.example",
    content: "Win cash now!!! click http://cheap-pills.example/buy, make money fast, free prize" }));
await record("api_check_honeypot", () =>
  client.checkSpam({ ip: "203.0.113.9", name: "Bot", email: "b@spam.example", content: "hello there", honeypot: "filled by a bot" }));
await record("api_check_invalid_key", () => wrong.checkSpam({ ip: "198.51.100.7", content: "x" }));
await record("api_check_is_test", () =>
  client.checkSpam({ ip: "198.51.100.7", name: "Tess", email: "tess@mail.example", content: "A test call", isTest: true }));
await record("api_submit_spam", () =>
  client.submitSpam({ ip: "203.0.113.11", name: "Other Spammer", email: "other@spam.example", content: "Replica watches at low prices", permalink: new URL("story/", BLOG).href }).then(() => "ok"));
await record("api_submit_ham", () =>
  client.submitHam({ ip: "198.51.100.12", name: "Ben Reader", email: "ben@mail.example", content: "The photos of the river were lovely", permalink: new URL("story/", BLOG).href }).then(() => "ok"));

console.log(JSON.stringify(results));
