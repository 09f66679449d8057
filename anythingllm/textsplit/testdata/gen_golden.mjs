import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import fs from "fs";
let seed = 42;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const words = ["alpha","béta","gamma","δέλτα","日本語","テキスト","naïve","café","x","longerword","🙂","end.","(paren)","tab\tsep","Zanzibar42"];
function randText(n) {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += words[Math.floor(rnd()*words.length)];
    const r = rnd();
    s += r < 0.75 ? " " : r < 0.88 ? "\n" : r < 0.96 ? "\n\n" : r < 0.98 ? "\n\n\n" : "\n\n\n\n\n";
  }
  return s;
}
const md = "# Title\n\nIntro paragraph with some words.\n\n## Section A\n\n- item one\n- item two\n- item three\n\n```go\nfunc main() {\n\tprintln(\"hi\")\n}\n```\n\n## Section B\n\n" + "Body text sentence. ".repeat(40) + "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
const lines = Array.from({length: 120}, (_, i) => `line ${i}: ` + "word ".repeat(i % 13)).join("\n");
const html = "<html><body>" + Array.from({length: 30}, (_, i) => `<p class="c${i}">Paragraph ${i} with <b>bold</b> text</p>`).join("\n") + "</body></html>";
const inputs = {
  markdown: md,
  lines: lines,
  random: randText(400),
  longword: "a".repeat(2500) + " tail words here",
  newlines: "one\n\n\ntwo\n\n\n\nthree\n\n\n\n\nfour " + "filler ".repeat(30) + "\n\n\n\nfive",
  html: html,
  spaces: "  \u00a0lead\ufeff " + "word\u00a0word ".repeat(60) + " \u2003trail  ",
  cjk: "日本語のテキスト。".repeat(150),
};
const settings = [[100,20],[1000,20],[300,50],[10,2],[25,5]];
const out = [];
for (const [name, text] of Object.entries(inputs)) {
  for (const [size, overlap] of settings) {
    const sp = new RecursiveCharacterTextSplitter({ chunkSize: size, chunkOverlap: overlap });
    const chunks = await sp.splitText(text);
    out.push({ name, size, overlap, text, chunks });
  }
}
fs.writeFileSync(process.argv[2], JSON.stringify(out));
