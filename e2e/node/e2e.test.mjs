// End-to-end: the stock anythingllm binary, pointed at the in-repo fake
// OpenAI server, answers AnythingLLM's own CLI (`any prompt`, streamed,
// plain and in a new thread) and the official openai SDK unchanged.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "node:net";
import OpenAI from "openai";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const work = mkdtempSync(join(tmpdir(), "allm-e2e-"));
const procs = [];
let base, key, fakeURL;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function start(cmd, args, env) {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  procs.push(p);
  return p;
}

async function waitFor(url) {
  for (let i = 0; i < 200; i++) {
    try { if ((await fetch(url)).ok) return; } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not come up`);
}

before(async () => {
  execFileSync("go", ["build", "-o", join(work, "anythingllm"), "./cmd/anythingllm"], { cwd: root, stdio: "inherit" });
  execFileSync("go", ["build", "-o", join(work, "fakeopenai"), "./providers/providertest/fakeopenai/cmd/fakeopenai"], { cwd: root, stdio: "inherit" });
  const fake = start(join(work, "fakeopenai"), ["-addr", "127.0.0.1:0"]);
  fakeURL = await new Promise((resolve) => fake.stdout.once("data", (d) => resolve(d.toString().trim())));
  const port = await freePort();
  const env = {
    STORAGE_DIR: join(work, "storage"), SERVER_PORT: String(port),
    LLM_PROVIDER: "generic-openai", GENERIC_OPEN_AI_BASE_PATH: fakeURL, GENERIC_OPEN_AI_MODEL_PREF: "fake-model",
  };
  key = execFileSync(join(work, "anythingllm"), ["apikey", "create", "--name", "e2e"], { env: { ...process.env, ...env } }).toString().trim().split("\n").pop();
  start(join(work, "anythingllm"), ["serve"], env);
  base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/api/ping`);
  const res = await fetch(`${base}/api/v1/workspace/new`, {
    method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: JSON.stringify({ name: "e2e" }),
  });
  assert.equal(res.status, 200);
});

after(() => {
  for (const p of procs) p.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
});

function any(args) {
  return execFileSync("node", [join(here, "node_modules/@mintplex-labs/anything-llm-cli/dist/index.js"), ...args], {
    env: { ...process.env, ANYTHING_LLM_API_KEY: key, ANYTHING_LLM_BASE_URL: base }, timeout: 30000,
  }).toString();
}

test("any prompt streams the answer", () => {
  assert.match(any(["prompt", "-w", "e2e", "hello streaming"]), /Echo: hello streaming/);
});

test("any prompt without streaming", () => {
  assert.match(any(["prompt", "-w", "e2e", "-S", "hello plain"]), /Echo: hello plain/);
});

test("any prompt in a new thread", () => {
  assert.match(any(["prompt", "-w", "e2e", "--nt", "hello thread"]), /Echo: hello thread/);
});

test("openai SDK: models, completion, stream, embeddings", async () => {
  const client = new OpenAI({ apiKey: key, baseURL: `${base}/api/v1/openai` });
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), ["e2e"]);
  const done = await client.chat.completions.create({ model: "e2e", messages: [{ role: "user", content: "sdk hello" }] });
  assert.equal(done.choices[0].message.content, "Echo: sdk hello");
  const stream = await client.chat.completions.create({ model: "e2e", stream: true, messages: [{ role: "user", content: "sdk stream" }] });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  assert.equal(text, "Echo: sdk stream");
  const emb = await client.embeddings.create({ model: "x", input: ["a b", "c d"] });
  assert.equal(emb.data.length, 2);
  await assert.rejects(client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }), (e) => e.status === 404);
});
