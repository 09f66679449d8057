// Flat (no index) top-k search in LanceDB, as AnythingLLM runs it, on the
// vectors written by bench/internal/benchdata.WriteFile. Prints one JSON
// line: the LanceDB version, load time and per-query times in ms.
//
//   node search.mjs VECTORS_FILE DB_DIR [K=10] [QUERIES=10]
import { readFileSync } from "node:fs";
import * as lancedb from "@lancedb/lancedb";
import { createRequire } from "node:module";

// The CommonJS build of apache-arrow, the one @lancedb/lancedb loads: its
// instanceof checks fail on the ES module build's classes.
const arrow = createRequire(import.meta.url)("apache-arrow");

const [file, dbDir, kArg, qArg] = process.argv.slice(2);
if (!file || !dbDir) {
  console.error("usage: node search.mjs VECTORS_FILE DB_DIR [K] [QUERIES]");
  process.exit(2);
}
const k = Number(kArg ?? 10);
const queries = Number(qArg ?? 10);

const buf = readFileSync(file);
if (buf.toString("latin1", 0, 4) !== "FVEC") throw new Error("not an FVEC file");
const rows = buf.readUInt32LE(4);
const dim = buf.readUInt32LE(8);
// Copy into aligned Float32Arrays (the Buffer's offset need not be).
const floats = new Float32Array(buf.buffer.slice(buf.byteOffset + 12, buf.byteOffset + 12 + 4 * (dim + rows * dim)));
const query = Array.from(floats.subarray(0, dim));
const data = floats.subarray(dim);

const t0 = performance.now();
const listType = new arrow.FixedSizeList(dim, new arrow.Field("item", new arrow.Float32(), true));
const schema = new arrow.Schema([new arrow.Field("id", new arrow.Int32(), true), new arrow.Field("vector", listType, true)]);
const idData = arrow.makeData({ type: new arrow.Int32(), length: rows, data: Int32Array.from({ length: rows }, (_, i) => i) });
const child = arrow.makeData({ type: new arrow.Float32(), length: rows * dim, data });
const vecData = arrow.makeData({ type: listType, length: rows, nullCount: 0, child });
const batchData = arrow.makeData({ type: new arrow.Struct(schema.fields), length: rows, nullCount: 0, children: [idData, vecData] });
const table = new arrow.Table([new arrow.RecordBatch(schema, batchData)]);
const db = await lancedb.connect(dbDir);
const tbl = await db.createTable("bench", table, { mode: "overwrite" });
const loadMs = performance.now() - t0;

const times = [];
let first;
for (let i = 0; i < queries + 1; i++) {
  const q0 = performance.now();
  const res = await tbl.vectorSearch(query).distanceType("cosine").limit(k).toArray();
  const ms = performance.now() - q0;
  if (res.length !== k) throw new Error(`got ${res.length} results, want ${k}`);
  if (i === 0) first = res.map((r) => r.id); // the first query warms caches: not counted
  else times.push(ms);
}
const version = JSON.parse(readFileSync(new URL("./node_modules/@lancedb/lancedb/package.json", import.meta.url), "utf8")).version;
console.log(JSON.stringify({ version, rows, dim, k, load_ms: loadMs, query_ms: times, top_ids: first }));
