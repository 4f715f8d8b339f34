#!/usr/bin/env node
// The CLI lives in the compiled library (npm install builds it through "prepare").
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((e) => {
  console.error(`lftf: ${e && e.code === 'ERR_MODULE_NOT_FOUND' ? 'not built yet: run `npm run build`' : e}`);
  process.exitCode = 1;
});
